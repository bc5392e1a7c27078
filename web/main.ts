// The playground page: an editor for the .layer text, the bundled derivations to start
// from, the proofs as the engine lays them out (KaTeX, with MathML for screen readers),
// the claims with their verdicts, downloads, and the text kept in the URL and in local
// storage. The page itself computes nothing: two workers run the engine (worker.ts).
import { defaultKeymap, history as editHistory, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { Diagnostic } from '@codemirror/lint';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState, Transaction } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { bundledDerivations } from './files.js';
import { layerLanguage } from './language.js';
import type { DownloadFormat, Parts, Problem, Reply, Request, ShownVerdict } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const STORAGE = 'gradproof.playground.spec';
const DEFAULT = 'derivations/seed/batchnorm.layer';
const examples = bundledDerivations();

// ── the text: from a shared link, else local storage, else batch norm ──────────────

/** URL-safe base64 of UTF-8 (#spec=…), so a link carries the whole file. */
function encode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  bytes.forEach((b) => (bin += String.fromCharCode(b)));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decode(s: string): string | undefined {
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

function initial(): { file: string; text: string } {
  const params = new URLSearchParams(location.hash.slice(1));
  const shared = params.get('spec');
  const file = params.get('file') ?? 'playground.layer';
  if (shared) {
    const text = decode(shared);
    if (text !== undefined) return { file, text };
  }
  const stored = localStorage.getItem(STORAGE);
  if (stored) {
    try {
      const v = JSON.parse(stored) as { file?: unknown; text?: unknown };
      if (typeof v.text === 'string' && typeof v.file === 'string') return { file: v.file, text: v.text };
    } catch {
      /* a broken entry: start from the default */
    }
  }
  return { file: DEFAULT, text: examples[DEFAULT] ?? '' };
}

let { file, text } = initial();

// ── the workers ──────────────────────────────────────────────────────────────────

const newWorker = (): Worker => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let fast = newWorker();
let slow = newWorker();
let id = 0;
let typedAt = 0;
let slowTimer: ReturnType<typeof setTimeout> | undefined;
/** Whether the proofs' worker derived the current text (its answer came first). */
let derived = false;
const latencies: number[] = [];
// for measurement from a browser (bench/playground.ts): keystroke → proofs shown, in ms
(window as unknown as { gradproofLatencies: number[] }).gradproofLatencies = latencies;

/**
 * One request at a time to the proofs' worker: while it works, keystrokes only mark the
 * text as changed, and the newest text goes out when the answer comes back. Queuing
 * every keystroke would make each answer wait for all the stale ones before it.
 */
let proofsBusy = false;
let proofsWanted = false;
function askProofs(): void {
  if (proofsBusy) {
    proofsWanted = true;
    return;
  }
  proofsBusy = true;
  proofsWanted = false;
  fast.postMessage({ id, kind: 'proofs', file, text } satisfies Request);
}

function update(): void {
  id++;
  const request: Request = { id, kind: 'proofs', file, text };
  askProofs();
  $('proofs').setAttribute('aria-busy', 'true');
  // verdicts and the check take longer: start them once typing pauses, and abandon a
  // run whose text is already stale by ending its worker
  clearTimeout(slowTimer);
  $('checked').textContent = 'verifying claims and checking every form…';
  $('claims').setAttribute('aria-busy', 'true');
  // the other core is the proofs' while typing: a stale check stops at once
  slow.terminate();
  slowTimer = setTimeout(() => {
    slow = newWorker();
    slow.onmessage = (e: MessageEvent<Reply>) => onReply(e, 'verdicts');
    slow.postMessage({ ...request, kind: 'verdicts' } satisfies Request);
  }, 700);
  persist();
}

function onReply(e: MessageEvent<Reply>, from: 'proofs' | 'verdicts'): void {
  const r = e.data;
  if (r.kind === 'download') return save(r.name, r.mime, r.text);
  if (r.id < 0) {
    // a download that could not be made (download requests have negative ids)
    if (r.kind === 'failure') $('status').textContent = `no download: ${r.message}`;
    return;
  }
  if (from === 'proofs') {
    proofsBusy = false;
    if (proofsWanted) askProofs();
  }
  if (r.id !== id) return; // an answer to an older text
  if (r.kind === 'proofs') {
    showParts(whole(r.parts, 'proofs'));
    $('proofs').setAttribute('aria-busy', 'false');
    delete $('proofs').dataset['stale'];
    derived = true;
    showProblem(undefined);
    requestAnimationFrame(() => {
      const ms = performance.now() - typedAt;
      if (typedAt) latencies.push(ms);
      $('status').textContent = `Proofs up to date (derived in ${r.ms.toFixed(0)} ms${typedAt ? `, on screen ${ms.toFixed(0)} ms after the last keystroke` : ''}).`;
    });
  } else if (r.kind === 'verdicts') {
    showParts(whole(r.parts, 'verdicts'));
    showVerdicts(r.verdicts, r.checked);
  } else if (r.kind === 'problem') {
    showProblem(r.problem);
    notDerived(`not derived: line ${r.problem.line} has an error (below)`);
  } else if (from === 'verdicts') {
    // the proofs stand (or the proofs' worker has said why not): only the verification stopped
    if (!derived) return;
    $('claims').setAttribute('aria-busy', 'false');
    $('checked').textContent = `the claims could not be verified: ${r.message}`;
  } else {
    notDerived(`not derived: ${r.message}`);
  }
}
/** The proofs' worker, answering; if it dies (out of memory on a huge file), a new one. */
function listen(w: Worker): void {
  w.onmessage = (e: MessageEvent<Reply>) => onReply(e, 'proofs');
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    console.error(`the proofs' worker stopped: ${e.message}`);
    fast.terminate();
    fast = newWorker();
    listen(fast);
    proofsBusy = false;
    notDerived(`not derived: the engine stopped (${e.message || 'out of memory?'}); edit to try again`);
  };
}
listen(fast);
slow.onmessage = (e: MessageEvent<Reply>) => onReply(e, 'verdicts');

/** The text does not derive: say so, and mark the proofs still shown as those of an older text. */
function notDerived(why: string): void {
  derived = false;
  const proofs = $('proofs');
  proofs.setAttribute('aria-busy', 'false');
  if (proofs.children.length) proofs.dataset['stale'] = 'true';
  $('status').textContent = proofs.children.length ? `${why}; the proofs shown are for the last text that derived` : why;
  $('claims').setAttribute('aria-busy', 'false');
  $('checked').textContent = 'claims are verified once the text derives';
  $('verdicts').replaceChildren();
}

/**
 * The proofs, replacing only the pieces that changed (a keystroke in one definition
 * leaves the others' proofs as they are): parsing and laying out a whole report of
 * KaTeX HTML and MathML takes the browser far longer than the engine takes to derive it.
 */
let shown: string[] = [];

/** What each worker sent last, piece by piece: its replies leave unchanged pieces out (null). */
const received: Record<'proofs' | 'verdicts', string[]> = { proofs: [], verdicts: [] };
function whole(parts: Parts, from: 'proofs' | 'verdicts'): string[] {
  const out = parts.map((p, i) => p ?? received[from][i] ?? '');
  received[from] = out;
  return out;
}
function showParts(parts: readonly string[]): void {
  const box = $('proofs');
  parts.forEach((html, i) => {
    if (shown[i] === html && box.children[i]) return;
    const t = document.createElement('template');
    t.innerHTML = i === 0 ? `<div class="head">${html}</div>` : html;
    const node = t.content.firstElementChild!;
    const old = box.children[i];
    if (old) old.replaceWith(node);
    else box.append(node);
  });
  while (box.children.length > parts.length) box.lastElementChild!.remove();
  shown = [...parts];
}

// ── the editor ───────────────────────────────────────────────────────────────────

const picker = $<HTMLSelectElement>('example');

const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: text,
    extensions: [
      lineNumbers(),
      editHistory(),
      highlightActiveLine(),
      syntaxHighlighting(defaultHighlightStyle),
      layerLanguage,
      lintGutter(),
      // claims are long lines: wrap them rather than hide their ends
      EditorView.lineWrapping,
      // Tab is left to the browser, so keyboard users can leave the editor
      keymap.of([...defaultKeymap, ...historyKeymap]),
      EditorView.contentAttributes.of({ 'aria-label': 'Layer specification (.layer)' }),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        text = u.state.doc.toString();
        // an edit by the user (typing, deleting, pasting, undo), not a text loaded by the
        // example picker or a shared link: time it, and the text is no longer the example's
        const byUser = u.transactions.some((tr) => tr.annotation(Transaction.userEvent) !== undefined);
        typedAt = byUser ? performance.now() : 0;
        if (byUser) picker.value = '';
        update();
      }),
    ],
  }),
});

function showProblem(p: Problem | undefined): void {
  // a download is of the text shown: none while the text does not derive
  for (const b of document.querySelectorAll<HTMLButtonElement>('.downloads button')) b.disabled = p !== undefined;
  const box = $('problem');
  if (!p) {
    box.hidden = true;
    box.textContent = '';
    view.dispatch(setDiagnostics(view.state, []));
    return;
  }
  box.hidden = false;
  box.textContent = p.formatted;
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(p.line, 1), doc.lines));
  const from = Math.min(line.from + p.col - 1, line.to);
  const to = Math.max(from + 1, Math.min(line.from + (p.endCol ?? p.col + 1) - 1, line.to));
  const diagnostic: Diagnostic = { from, to: Math.min(to, doc.length), severity: 'error', message: p.message };
  view.dispatch(setDiagnostics(view.state, [diagnostic]));
}

function showVerdicts(verdicts: readonly ShownVerdict[], checked: string): void {
  $('claims').setAttribute('aria-busy', 'false');
  $('checked').textContent = checked ? `Check: ${checked}.` : '';
  const items = verdicts.map((v) => {
    const li = document.createElement('li');
    li.dataset['verdict'] = v.verdict;
    li.dataset['line'] = String(v.line);
    // the verdict names its line and takes you there: a student reading a failure goes
    // straight to the claim to fix it (a button, so the keyboard reaches it too)
    const head = document.createElement('button');
    head.type = 'button';
    head.className = 'verdict';
    head.textContent = `line ${v.line}: ${v.verdict}`;
    head.title = `show line ${v.line} in the editor`;
    head.addEventListener('click', () => goToLine(v.line));
    const code = document.createElement('code');
    code.textContent = ` ${v.text}`;
    const details = document.createElement('p');
    details.className = 'details';
    details.textContent = v.details.join('\n');
    li.append(head, code, details);
    return li;
  });
  if (!verdicts.length) {
    const li = document.createElement('li');
    li.textContent = 'no claims in this file (add a line such as claim dL/dbeta = sum(i, dL/dy[i]))';
    items.push(li);
  }
  $('verdicts').replaceChildren(...items);
  // failing claims are marked in the editor too, on their line
  const doc = view.state.doc;
  const marks: Diagnostic[] = verdicts
    .filter((v) => v.verdict !== 'holds' && v.line >= 1 && v.line <= doc.lines)
    .map((v) => ({ from: doc.line(v.line).from, to: doc.line(v.line).to, severity: 'warning', message: `${v.verdict}: ${v.details.join(' ')}` }));
  view.dispatch(setDiagnostics(view.state, marks));
}

/** Selects line n in the editor, scrolls it to the middle and puts the focus there. */
function goToLine(n: number): void {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(n, 1), doc.lines));
  view.dispatch({ selection: { anchor: line.from, head: line.to }, effects: EditorView.scrollIntoView(line.from, { y: 'center' }) });
  view.focus();
}

// ── examples, sharing, storage, downloads ────────────────────────────────────────

picker.append(new Option('(your own text)', ''));
for (const path of Object.keys(examples).sort()) picker.append(new Option(path.replace(/^derivations\//, ''), path));
picker.value = examples[file] === text ? file : '';
picker.addEventListener('change', () => {
  const path = picker.value;
  if (!path) return;
  file = path;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: examples[path] ?? '' } });
});

function shareLink(): string {
  const params = new URLSearchParams({ file, spec: encode(text) });
  return `${location.origin}${location.pathname}#${params.toString()}`;
}

function persist(): void {
  localStorage.setItem(STORAGE, JSON.stringify({ file, text }));
  history.replaceState(null, '', shareLink());
}

$('share').addEventListener('click', async () => {
  const link = shareLink();
  try {
    await navigator.clipboard.writeText(link);
    $('status').textContent = 'share link copied to the clipboard';
  } catch {
    $('status').textContent = `share link: ${link}`;
  }
});

let downloads = 0;
function requestDownload(format: DownloadFormat): void {
  // negative ids: a download's answer is never taken for an answer to a text
  fast.postMessage({ id: -++downloads, kind: 'download', format });
  $('status').textContent = `preparing the ${format === 'md' ? 'Markdown' : format === 'tex' ? '.tex' : format === 'html' ? 'HTML report' : 'compiled code'} download…`;
}
for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-format]')) {
  b.addEventListener('click', () => requestDownload(b.dataset['format'] as DownloadFormat));
}
$('download-code').addEventListener('click', () => requestDownload($<HTMLSelectElement>('target').value as DownloadFormat));

function save(name: string, mime: string, body: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([body], { type: mime }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  $('status').textContent = `downloaded ${name}`;
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// the table's links scroll to a proof without touching the address (which holds the text)
$('proofs').addEventListener('click', (e) => {
  const a = (e.target as Element).closest('a[href^="#"]');
  if (!a) return;
  e.preventDefault();
  const target = document.getElementById(decodeURIComponent(a.getAttribute('href')!.slice(1)));
  target?.scrollIntoView({ block: 'start' });
  target?.setAttribute('tabindex', '-1');
  target?.focus({ preventScroll: true });
});

window.addEventListener('hashchange', () => {
  const params = new URLSearchParams(location.hash.slice(1));
  const shared = params.get('spec');
  const t = shared ? decode(shared) : undefined;
  if (t === undefined || t === text) return;
  file = params.get('file') ?? file;
  picker.value = examples[file] === t ? file : '';
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
});

update();
