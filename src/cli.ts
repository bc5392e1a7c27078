// gradproof's command line. Exit codes: 2 for any bad input (a file's error, an
// unknown option), else 1 if a check failed, else 0. Errors in a file are printed
// as file:line:col with the line and a caret; never as a stack trace.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from './pipeline.js';
import { run } from './pipeline.js';
import { checkText, deriveText, resultJson } from './render/report.js';
import { SpecError } from './syntax/errors.js';

const USAGE = `gradproof: derives, proves and checks the gradients of neural-network layers

usage:
  gradproof derive FILE|DIR…  [--size n=4] [--json]   local, closed and elementwise forms
  gradproof check  FILE|DIR…  [--size n=4] [--seed S] [--json]
                                                      every form against finite differences
  gradproof --help | --version

A DIR stands for every .layer file below it. --size fixes a size symbol (repeat
it, or write n=4,K=2) so that elementwise forms can be written out.
Exit status: 2 bad input, 1 a check failed, 0 otherwise.`;

interface Args {
  command: 'derive' | 'check';
  paths: string[];
  json: boolean;
  sizes: Map<string, bigint>;
  seed?: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' | 'version' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  if (argv.includes('--version') || argv.includes('-V')) return 'version';
  const [command, ...rest] = argv;
  if (command !== 'derive' && command !== 'check') {
    throw new UsageError(command ? `unknown command "${command}": expected derive or check` : 'no command given');
  }
  const args: Args = { command, paths: [], json: false, sizes: new Map() };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--size' || a === '--seed') {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (a === '--seed') args.seed = v;
      else for (const part of v.split(',')) addSize(args.sizes, part);
    } else if (a.startsWith('--size=')) a.slice(7).split(',').forEach((p) => addSize(args.sizes, p));
    else if (a.startsWith('--seed=')) args.seed = a.slice(7);
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else args.paths.push(a);
  }
  if (!args.paths.length) throw new UsageError(`gradproof ${command} needs a FILE or DIR`);
  return args;
}

function addSize(sizes: Map<string, bigint>, part: string): void {
  const m = /^\s*([\p{L}_][\p{L}\p{N}_]*)\s*=\s*(\d{1,6})\s*$/u.exec(part);
  if (!m || BigInt(m[2]!) < 1n) throw new UsageError(`--size takes NAME=N with N a positive integer, got "${part}"`);
  sizes.set(m[1]!, BigInt(m[2]!));
}

function layerFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`cannot read ${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((e) => {
      const p = join(path, e);
      return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
    });
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

export function main(argv: readonly string[], io: Io = stdio): number {
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
    files = args.paths.flatMap(layerFiles);
  } catch (e) {
    io.err(`gradproof: ${(e as Error).message}\n`);
    return 2;
  }
  let bad = false;
  let failed = false;
  const json: unknown[] = [];
  const texts: string[] = [];
  for (const file of files) {
    let result: Result;
    try {
      const opts = { sizes: args.sizes, check: args.command === 'check', ...(args.seed !== undefined && { seed: args.seed }) };
      result = run(file, readFileSync(file, 'utf8'), opts);
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
    if (result.check && !result.check.pass) failed = true;
    if (args.json) json.push(resultJson(result));
    else texts.push(args.command === 'derive' ? deriveText(result) : checkText(result.check!));
  }
  if (args.json) io.out(`${JSON.stringify(files.length === 1 && json.length === 1 ? json[0] : json, bigintSafe, 2)}\n`);
  else if (texts.length) io.out(`${texts.join('\n\n')}\n`);
  return bad ? 2 : failed ? 1 : 0;
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v === Infinity ? 'Infinity' : v);

