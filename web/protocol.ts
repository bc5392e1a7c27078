// Messages between the page (main.ts) and the engine's workers (worker.ts).

/** Derive and lay out the proofs (fast), or also verify the claims and check every form (slow). */
export interface Request {
  readonly id: number;
  readonly kind: 'proofs' | 'verdicts';
  readonly file: string;
  readonly text: string;
}

/** A file for the download buttons, from the last text the worker was given. */
export interface DownloadRequest {
  readonly id: number;
  readonly kind: 'download';
  readonly format: DownloadFormat;
}

export type DownloadFormat = 'tex' | 'md' | 'html' | 'js' | 'ts' | 'numpy' | 'torch';

/** A located error in the text (a SpecError), for the editor's squiggle. */
export interface Problem {
  readonly line: number;
  readonly col: number;
  readonly endCol?: number;
  readonly message: string;
  /** file:line:col: message, with the line and a caret. */
  readonly formatted: string;
}

export interface ShownVerdict {
  readonly line: number;
  readonly text: string;
  readonly verdict: 'holds' | 'fails' | 'error';
  readonly details: readonly string[];
}

export type Reply =
  | { readonly id: number; readonly kind: 'proofs'; readonly parts: Parts; readonly ms: number }
  | { readonly id: number; readonly kind: 'verdicts'; readonly parts: Parts; readonly verdicts: readonly ShownVerdict[]; readonly checked: string; readonly ms: number }
  | { readonly id: number; readonly kind: 'problem'; readonly problem: Problem }
  | { readonly id: number; readonly kind: 'download'; readonly name: string; readonly mime: string; readonly text: string }
  | { readonly id: number; readonly kind: 'failure'; readonly message: string };

/**
 * The report's pieces (documents.ts toHtmlParts), each the HTML, or null where it is the
 * same as the piece this worker sent last time: a big report (the 256×256 CNN: 10 MB)
 * is not copied across again for a keystroke that changes one proof or none.
 */
export type Parts = readonly (string | null)[];
