// The playground page: an editor for the .layer text, the bundled derivations to start
// from, the proofs as the engine lays them out (KaTeX, with MathML for screen readers),
// the claims with their verdicts, downloads, and the text kept in the URL and in local
// storage. The page itself computes nothing: two workers run the engine (worker.ts).
import { defaultKeymap, history as editHistory, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { Diagnostic } from '@codemirror/lint';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { bundledDerivations } from './files.js';
import { layerLanguage } from './language.js';
import type { DownloadFormat, Problem, Reply, Request, ShownVerdict } from './protocol.js';

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
const fast = newWorker();
let slow = newWorker();
let id = 0;
let typedAt = 0;
let slowTimer: ReturnType<typeof setTimeout> | undefined;
const latencies: number[] = [];
// for measurement from a browser (test-e2e/playground.test.ts): keystroke → proofs shown, in ms
(window as unknown as { gradproofLatencies: number[] }).gradproofLatencies = latencies;

function update(): void {
  id++;
  const request: Request = { id, kind: 'proofs', file, text };
  fast.postMessage(request);
  $('proofs').setAttribute('aria-busy', 'true');
  // verdicts and the check take longer: start them once typing pauses, and abandon a
  // run whose text is already stale by ending its worker
  clearTimeout(slowTimer);
  $('checked').textContent = 'verifying claims and checking every form…';
  // the other core is the proofs' while typing: a stale check stops at once
  slow.terminate();
  slowTimer = setTimeout(() => {
    slow = newWorker();
    slow.onmessage = onReply;
    slow.postMessage({ ...request, kind: 'verdicts' } satisfies Request);
  }, 700);
  persist();
}

function onReply(e: MessageEvent<Reply>): void {
  const r = e.data;
  if (r.kind === 'download') return save(r.name, r.mime, r.text);
  if (r.id !== id) return; // an answer to an older text
  if (r.kind === 'proofs') {
    showParts(r.parts);
    $('proofs').setAttribute('aria-busy', 'false');
    showProblem(undefined);
    requestAnimationFrame(() => {
      const ms = performance.now() - typedAt;
      if (typedAt) latencies.push(ms);
      $('status').textContent = `derived in ${r.ms.toFixed(0)} ms${typedAt ? `; ${ms.toFixed(0)} ms from the last keystroke to these proofs` : ''}`;
    });
  } else if (r.kind === 'verdicts') {
    showParts(r.parts);
    showVerdicts(r.verdicts, r.checked);
  } else if (r.kind === 'problem') {
    showProblem(r.problem);
    $('proofs').setAttribute('aria-busy', 'false');
    $('checked').textContent = '';
    $('verdicts').replaceChildren();
  } else {
    $('status').textContent = `the engine stopped: ${r.message}`;
  }
}
fast.onmessage = onReply;
slow.onmessage = onReply;

/**
 * The proofs, replacing only the pieces that changed (a keystroke in one definition
 * leaves the others' proofs as they are): parsing and laying out a whole report of
 * KaTeX HTML and MathML takes the browser far longer than the engine takes to derive it.
 */
let shown: string[] = [];
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
      // Tab is left to the browser, so keyboard users can leave the editor
      keymap.of([...defaultKeymap, ...historyKeymap]),
      EditorView.contentAttributes.of({ 'aria-label': 'Layer specification (.layer)' }),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        text = u.state.doc.toString();
        typedAt = performance.now();
        update();
      }),
    ],
  }),
});

function showProblem(p: Problem | undefined): void {
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
  $('checked').textContent = checked ? `Check: ${checked}.` : '';
  const items = verdicts.map((v) => {
    const li = document.createElement('li');
    li.dataset['verdict'] = v.verdict;
    li.dataset['line'] = String(v.line);
    const head = document.createElement('span');
    head.className = 'verdict';
    head.textContent = `line ${v.line}: ${v.verdict}`;
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

// ── examples, sharing, storage, downloads ────────────────────────────────────────

const picker = $<HTMLSelectElement>('example');
picker.append(new Option('(your own text)', ''));
for (const path of Object.keys(examples).sort()) picker.append(new Option(path.replace(/^derivations\//, ''), path));
picker.value = file in examples ? file : '';
picker.addEventListener('change', () => {
  const path = picker.value;
  if (!path) return;
  file = path;
  typedAt = 0;
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
  fast.postMessage({ id: ++downloads, kind: 'download', format });
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
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

window.addEventListener('hashchange', () => {
  const shared = new URLSearchParams(location.hash.slice(1)).get('spec');
  const t = shared ? decode(shared) : undefined;
  if (t !== undefined && t !== text) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
});

update();
