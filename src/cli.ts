// gradproof's command line. Exit codes: 2 for any bad input (a file's error, an
// unknown option), else 1 if a check failed, else 0. Errors in a file are printed
// as file:line:col with the line and a caret; never as a stack trace.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from './pipeline.js';
import { compile } from './codegen/compile.js';
import type { TargetName } from './codegen/targets.js';
import { TARGETS } from './codegen/targets.js';
import { checkPassed, run, summary } from './pipeline.js';
import type { Report } from './render/documents.js';
import { reportOf, toHtml, toHtmlIndex, toMarkdown, toTex } from './render/documents.js';
import { checkText, deriveText, resultJson } from './render/report.js';
import { summaryText } from './render/summary.js';
import { jsonText, terminalText } from './render/terminal.js';
import { verdictsJson, verdictsText } from './render/verdicts.js';
import { SpecError } from './syntax/errors.js';
import { trainCommand } from './train/command.js';

const USAGE = `gradproof: derives, proves and checks the gradients of neural-network layers

usage:
  gradproof derive FILE|DIR…  [--size n=4] [--json]   local, closed and elementwise forms
  gradproof check  FILE|DIR…  [--size n=4] [--seed S] [--json]
                                                      every form against finite differences
  gradproof verify FILE|DIR…  [--json] [--no-solution] [--expect] [--seed S]
                                                      a verdict for every claim, with a
                                                      counterexample and a diagnosis
  gradproof summary FILE|DIR… [--json]                each layer's output shape and
                                                      parameter count, and the totals
  gradproof compile FILE [--target js|ts|numpy|torch] [-o out]
                                                      forward and backward as a standalone
                                                      module, from the closed forms
  gradproof tex    FILE|DIR…  [-o out.tex]            the proofs as a LaTeX document
  gradproof md     FILE|DIR…  [-o out.md]             the proofs as Markdown ($$ blocks)
  gradproof html   FILE       [-o out.html]           the proofs as one self-contained page
  gradproof html   DIR…       [-o folder]             a page per file and an index.html
                                                      (folder: report/ unless -o names one)
  gradproof train  FILE (--data FILE | --teacher PRED=TARGET) [--optimizer sgd|…] [--lr 0.01]
                   [--schedule constant|…] [--steps 500] [--seed S] [--curve out.csv]
                                                      fit a spec's params with its compiled
                                                      gradients (gradproof train --help)
  gradproof train  FILE … --compare [--optimizers …] [--lrs …] [--momenta …] [-o page.html]
                                                      loss curves of a grid of runs, one page
  gradproof --help | --version

A DIR stands for every .layer file below it. --size fixes a size symbol (repeat
it, or write n=4,K=2) so that elementwise forms can be written out.
The documents include the numeric check of every form and the claims' verdicts.
--no-solution leaves the correct forms out of verdicts (for grading); --expect
compares each verdict with its claim's \`# expect: holds|fails|error\` comment
(holds where there is none) and exits 0 when all match.
Exit status: 2 bad input (or a claim error), 1 a check or a claim failed, 0 otherwise.`;

const COMMANDS = ['derive', 'check', 'verify', 'summary', 'compile', 'tex', 'md', 'html'] as const;

type Command = (typeof COMMANDS)[number];

interface Args {
  command: Command;
  paths: string[];
  output?: string;
  json: boolean;
  solution: boolean;
  expect: boolean;
  sizes: Map<string, bigint>;
  seed?: string;
  target: TargetName;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' | 'version' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  if (argv.includes('--version') || argv.includes('-V')) return 'version';
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as Command)) {
    throw new UsageError(command ? `unknown command "${command}": expected ${[...COMMANDS, 'train'].join(', ')}` : 'no command given');
  }
  const args: Args = { command: command as Command, paths: [], json: false, solution: true, expect: false, sizes: new Map(), target: 'js' };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--no-solution') args.solution = false;
    else if (a === '--expect') args.expect = true;
    else if (a === '--size' || a === '--seed' || a === '-o' || a === '--output' || a === '--target') {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (a === '--target') args.target = targetOf(v);
      else if (a === '--seed') args.seed = v;
      else if (a === '-o' || a === '--output') args.output = v;
      else for (const part of v.split(',')) addSize(args.sizes, part);
    } else if (a.startsWith('--size=')) a.slice(7).split(',').forEach((p) => addSize(args.sizes, p));
    else if (a.startsWith('--seed=')) args.seed = a.slice(7);
    else if (a.startsWith('--target=')) args.target = targetOf(a.slice(9));
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else args.paths.push(a);
  }
  if (!args.paths.length) throw new UsageError(`gradproof ${command} needs a FILE or DIR`);
  if (args.output && (args.command === 'derive' || args.command === 'check' || args.command === 'summary')) throw new UsageError(`-o is for compile, tex, md and html`);
  if (args.command === 'compile' && args.paths.length !== 1) throw new UsageError('gradproof compile takes one FILE');
  return args;
}

function targetOf(v: string): TargetName {
  const t = TARGETS.find((x) => x === v);
  if (!t) throw new UsageError(`--target takes ${TARGETS.join(', ')}, got "${v}"`);
  return t;
}

function addSize(sizes: Map<string, bigint>, part: string): void {
  const m = /^\s*([\p{L}_][\p{L}\p{N}_]*)\s*=\s*(\d{1,6})\s*$/u.exec(part);
  if (!m || BigInt(m[2]!) < 1n) throw new UsageError(`--size takes NAME=N with N a positive integer, got "${part}"`);
  sizes.set(m[1]!, BigInt(m[2]!));
}

/** The .layer files under a path; `seen` holds the folders read so far, by their real path,
 *  so that a symlink back up the tree (DIR/loop → DIR) is read once, not until ELOOP. */
function layerFiles(path: string, seen: Set<string> = new Set()): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`cannot read ${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  const real = realpathSync(path);
  if (seen.has(real)) return [];
  seen.add(real);
  let entries: string[];
  try {
    entries = readdirSync(path).sort();
  } catch (e) {
    throw new UsageError(`cannot read the folder ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return entries.flatMap((e) => {
    const p = join(path, e);
    // an entry that vanished or cannot be read while the folder is walked (a socket in
    // /tmp, a dangling link) is no .layer file of ours: skipped, not a crash
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) return layerFiles(p, seen);
    return p.endsWith('.layer') ? [p] : [];
  });
}

/** A file's text, or a located SpecError saying why it cannot be read (a dangling link in a
 *  folder, a file removed meanwhile, a folder named .layer, no permission). */
function readSource(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (or a link to nothing)' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new SpecError('usage', `cannot read it: ${why}`);
  }
  // a .layer file is UTF-8 text; say so rather than report its first byte as a syntax error
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new SpecError('usage', 'cannot read it: it is UTF-16 text; a .layer file is UTF-8 (save it as UTF-8)');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    throw new SpecError('usage', `cannot read it: it is not text (a NUL byte on line ${line}); a .layer file is UTF-8 text`);
  }
  return bytes.toString('utf8');
}

function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}

/** Output streams, so tests can run the command line in-process. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function main(argv: readonly string[], given: Io = stdio): number {
  // train has its own flags (train/command.ts); its progress bar only on a terminal's stderr
  if (argv[0] === 'train') return trainCommand(argv.slice(1), { ...given, progress: given === stdio && process.stderr.isTTY === true });
  // messages, texts and documents quote file names and lines of the files: no control
  // character reaches the terminal as such (render/terminal.ts; JSON keeps its values)
  const io: Io = { out: (s) => given.out(terminalText(s)), err: (s) => given.err(terminalText(s)) };
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.err(`gradproof: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') return io.out(`${USAGE}\n`), 0;
  if (args === 'version') return io.out(`gradproof ${version()}\n`), 0;
  let files: string[];
  try {
    const seen = new Set<string>();
    files = args.paths.flatMap((p) => layerFiles(p, seen));
  } catch (e) {
    io.err(`gradproof: ${(e as Error).message}\n`);
    return 2;
  }
  let bad = false;
  let failed = false;
  const json: unknown[] = [];
  const texts: string[] = [];
  const reports: Report[] = [];
  for (const file of files) {
    let result: Result;
    let source: string;
    try {
      const documents = args.command === 'tex' || args.command === 'md' || args.command === 'html';
      const opts = {
        sizes: args.sizes,
        check: args.command === 'check' || documents,
        verify: args.command === 'verify' || documents,
        present: args.command !== 'verify',
        ...(args.seed !== undefined && { seed: args.seed }),
      };
      source = readSource(file);
      if (args.command === 'compile') {
        const code = compile(run(file, source, { sizes: args.sizes, present: false }).derivation, args.target, version());
        if (args.output) {
          mkdirSync(dirname(args.output), { recursive: true });
          writeFileSync(args.output, code);
          io.err(`wrote ${args.output}\n`);
        } else io.out(code);
        continue;
      }
      if (args.command === 'summary') {
        const table = summary(file, source);
        if (args.json) json.push(table);
        else texts.push(summaryText(table));
        continue;
      }
      result = run(file, source, opts);
    } catch (e) {
      bad = true;
      if (e instanceof SpecError) {
        const msg = e.span ? e.message : `${file}: ${e.message}`;
        io.err(`${msg}\n`);
        if (args.json) json.push({ file, error: { kind: e.kind, message: e.detail, ...(e.span && { line: e.span.line, col: e.span.col }) } });
      } else {
        io.err(`${file}: internal error: ${(e as Error).message}\n`);
        if (args.json) json.push({ file, error: { kind: 'internal', message: (e as Error).message } });
      }
      continue;
    }
    if (!checkPassed(result)) failed = true;
    if (args.command === 'verify') {
      const claims = result.claims ?? [];
      if (args.expect) {
        if (claims.some((c) => c.verdict.kind !== (c.expect ?? 'holds'))) failed = true;
      } else {
        if (claims.some((c) => c.verdict.kind === 'error')) bad = true;
        if (claims.some((c) => c.verdict.kind === 'fails')) failed = true;
      }
      const show = { solution: args.solution };
      if (args.json) json.push(verdictsJson(result.graph, claims, show));
      else texts.push(verdictsText(result.graph, claims, show));
    } else if (args.command === 'tex' || args.command === 'md' || args.command === 'html') reports.push(reportOf(result, source));
    else if (args.json) json.push(resultJson(result));
    else texts.push(args.command === 'derive' ? deriveText(result) : checkText(result.check!, result.layerChecks));
  }
  if (args.json) io.out(`${jsonText(JSON.stringify(files.length === 1 && json.length === 1 ? json[0] : json, bigintSafe, 2))}\n`);
  else if (texts.length) io.out(`${texts.join('\n\n')}\n`);
  if (reports.length) {
    try {
      writeDocuments(args, files, reports, io);
    } catch (e) {
      io.err(`gradproof: cannot write ${args.output}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  return bad ? 2 : failed ? 1 : 0;
}

/** tex and md: one document; html: one page for a FILE, a folder with an index for a DIR. */
function writeDocuments(args: Args, files: readonly string[], reports: readonly Report[], io: Io): void {
  const emit = (path: string | undefined, text: string): void => {
    if (!path) return io.out(text);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    io.err(`wrote ${path}\n`);
  };
  if (args.command === 'tex') return emit(args.output, toTex(reports));
  if (args.command === 'md') return emit(args.output, toMarkdown(reports));
  const folder = files.length > 1 || args.paths.some((p) => statSync(p).isDirectory());
  if (!folder) return emit(args.output, toHtml(reports[0]!));
  const dir = args.output ?? 'report';
  // Pages inside the folder only (security review, issue 9): a page's name is its file's
  // path with every run of characters other than letters, digits, _ and - made one -, so
  // no / or .. survives; a name met before (a/b.layer and a-b.layer; index.layer and the
  // index; names that differ only in case, on a file system that ignores it) gets -2, -3.
  const taken = new Set(['index.html']);
  const entries = reports.map((report) => {
    const stem = report.file.replace(/\.layer$/, '').replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+/, '').slice(0, 120) || 'layer';
    let href = `${stem}.html`;
    for (let k = 2; taken.has(href.toLowerCase()); k++) href = `${stem}-${k}.html`;
    taken.add(href.toLowerCase());
    fresh(join(dir, href), toHtml(report));
    return { report, href };
  });
  fresh(join(dir, 'index.html'), toHtmlIndex(entries));

  /** A new file in the folder: whatever stood at the path is removed first, never written
   *  through, so a symlink planted there (report/x.html → ~/.bashrc) loses nothing but itself. */
  function fresh(path: string, text: string): void {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    writeFileSync(path, text, { flag: 'wx' });
    io.err(`wrote ${path}\n`);
  }
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v === Infinity ? 'Infinity' : v);

