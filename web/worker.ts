// The engine in a Web Worker: the page never computes, so typing never waits. Two of
// these run: one answers 'proofs' (derive and lay out, a few ms to tens of ms for the
// seed files) and one 'verdicts' (claims and the 64-digit check, up to seconds), which
// the page ends and starts again whenever the text changes.
import { compile } from '../src/codegen/compile.js';
import type { Result } from '../src/pipeline.js';
import { checkPassed, run } from '../src/pipeline.js';
import { reportOf, toHtml, toHtmlParts, toMarkdown, toTex } from '../src/render/documents.js';
import { SpecError } from '../src/syntax/errors.js';
import { prepareStylesheet } from './files.js';
import type { DownloadFormat, DownloadRequest, Parts, Reply, Request } from './protocol.js';

let last: { readonly key: string; readonly file: string; readonly text: string; readonly result: Result } | undefined;

/** The text with every comment emptied, lines kept: `#` to the end of a line, outside strings. */
function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '\\' && quoted) i++;
        else if (c === '"') quoted = !quoted;
        else if (c === '#' && !quoted && line[i - 1] !== '\\') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

const post = (r: Reply): void => postMessage(r);

let sent: readonly string[] = [];
/** The pieces, with null for each one sent unchanged last time (see Parts). */
function delta(parts: readonly string[]): Parts {
  const out = parts.map((p, i) => (sent[i] === p ? null : p));
  sent = parts;
  return out;
}

self.onmessage = async (e: MessageEvent<Request | DownloadRequest>): Promise<void> => {
  const m = e.data;
  try {
    if (m.kind === 'download') return post(await download(m.id, m.format));
    const t0 = performance.now();
    // an edit inside comments changes no derivation: the last result serves (its spans
    // keep their lines and columns, since a comment runs to the end of its line)
    const key = `${m.kind}\u0000${m.file}\u0000${withoutComments(m.text)}`;
    const result = last && last.key === key ? last.result : run(m.file, m.text, m.kind === 'proofs' ? { vet: false } : { verify: true, check: true });
    last = { key, file: m.file, text: m.text, result };
    const report = reportOf(result, m.text);
    const parts = delta(toHtmlParts(report, { source: false }));
    const ms = performance.now() - t0;
    if (m.kind === 'proofs') return post({ id: m.id, kind: 'proofs', parts, ms });
    const verdicts = report.claims.map((c) => ({ line: c.line, text: c.text, verdict: c.verdict, details: c.details.map((d) => d.text) }));
    const checked = result.check ? (checkPassed(result) ? 'every form agrees with finite differences' : 'SOME FORMS DISAGREE with finite differences') : '';
    post({ id: m.id, kind: 'verdicts', parts, verdicts, checked, ms });
  } catch (err) {
    if (err instanceof SpecError && err.span) {
      const s = err.span;
      post({ id: m.id, kind: 'problem', problem: { line: s.line, col: s.col, endCol: s.endCol, message: err.detail, formatted: err.message } });
    } else post({ id: m.id, kind: 'failure', message: err instanceof Error ? err.message : String(err) });
  }
};

const NAMES: Readonly<Record<DownloadFormat, readonly [string, string]>> = {
  tex: ['.tex', 'application/x-tex'],
  md: ['.md', 'text/markdown'],
  html: ['.html', 'text/html'],
  js: ['.mjs', 'text/javascript'],
  ts: ['.ts', 'text/plain'],
  numpy: ['_numpy.py', 'text/x-python'],
  torch: ['_torch.py', 'text/x-python'],
};

async function download(id: number, format: DownloadFormat): Promise<Reply> {
  if (!last) return { id, kind: 'failure', message: 'nothing derived yet' };
  const { file, text } = last;
  // documents carry the verdicts and the check, as the command line's do
  // every step vetted, as the command line does it (the proofs' pass leaves that to the
  // verdicts' pass); documents carry the verdicts and the check too
  const result = format === 'tex' || format === 'md' || format === 'html' ? (last.result.claims ? last.result : run(file, text, { verify: true, check: true })) : run(file, text);
  const base = (file.split('/').pop() ?? 'layer').replace(/\.layer$/, '');
  let body: string;
  if (format === 'tex') body = toTex([reportOf(result, text)]);
  else if (format === 'md') body = toMarkdown([reportOf(result, text)]);
  else if (format === 'html') {
    await prepareStylesheet();
    body = toHtml(reportOf(result, text));
  } else body = compile(result.derivation, format);
  const [suffix, mime] = NAMES[format];
  return { id, kind: 'download', name: `${base}${suffix}`, mime, text: body };
}
