// Golden outputs: for every bundled derivation (every `.layer` file under derivations/,
// recursively; other files there, such as derivations/train/linreg.csv, do not count)
// the command line's stdout for `derive`, `verify --json`, `tex` and `md`, compared byte
// for byte with the checked-in copy. The CLI runs in-process (`main(argv, io)` from
// src/cli.ts) on the path relative to the repository root, exactly as a user types it.
//
// Layout, in test/golden/outputs/:
//   <path under derivations/, `/` replaced by `__`>.<derive.txt | verify.json | tex | md>
//       the stdout, byte for byte (e.g. seed__batchnorm.layer.verify.json for
//       `gradproof verify --json derivations/seed/batchnorm.layer`);
//   exit-codes.json
//       the exit code of each command on each file:
//       { "seed/batchnorm.layer": { "derive": 0, "verify --json": 1, "tex": 0, "md": 0 }, … }
//       (`verify` exits 1 where a file holds claims that fail on purpose).
// stderr is not stored: every command must leave it empty on a bundled file.
// No output may contain an absolute path (the repository's own folder, the home or
// temporary folder, or anything that looks like /home/…, /work/…, C:\…): the goldens
// must hold wherever the repository is cloned.
//
// Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx vitest run test/golden-outputs.test.ts
// (it writes the files, updates exit-codes.json and deletes goldens of removed files),
// then read the diff. `md` and `tex` run the full numeric check of every form, so this
// file is the slowest of the suite.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const ROOT = 'derivations';
const GOLDEN = join('test', 'golden', 'outputs');
const INDEX = join(GOLDEN, 'exit-codes.json');
const UPDATE = Boolean(process.env.UPDATE_GOLDEN);

const COMMANDS = [
  { argv: ['derive'], name: 'derive', ext: 'derive.txt' },
  { argv: ['verify', '--json'], name: 'verify --json', ext: 'verify.json' },
  { argv: ['tex'], name: 'tex', ext: 'tex' },
  { argv: ['md'], name: 'md', ext: 'md' },
] as const;

type ExitCodes = Record<string, Record<string, number>>;

/** Every .layer file under dir, in code-point order (not the file system's). */
function layerFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
    });
}

/** 'seed/batchnorm.layer': the path under derivations/, with '/' on every platform. */
const keyOf = (file: string): string => relative(ROOT, file).split(sep).join('/');
const goldenOf = (key: string, ext: string): string => join(GOLDEN, `${key.replace(/\//g, '__')}.${ext}`);


/** The absolute paths this machine could leak into an output, and a pattern for any other. */
const LOCAL_PATHS = [process.cwd(), homedir(), tmpdir()].filter((p) => p.length > 1);
const ABSOLUTE = /(?:^|[\s"'`(=:[])(?:\/(?:home|work|tmp|Users|root|var|private|mnt|opt|usr|srv)\/|[A-Za-z]:\\)/m;

const files = layerFiles(ROOT);
const keys = files.map(keyOf);
const expectedGoldens = new Set([INDEX, ...keys.flatMap((k) => COMMANDS.map((c) => goldenOf(k, c.ext)))]);
const stored: ExitCodes = existsSync(INDEX) ? (JSON.parse(readFileSync(INDEX, 'utf8')) as ExitCodes) : {};
const updated: ExitCodes = {};

if (UPDATE) {
  mkdirSync(GOLDEN, { recursive: true });
  afterAll(() => {
    // keep the entries of tests filtered out of this run; drop the files that are gone
    const index: ExitCodes = {};
    for (const k of keys) {
      const codes = { ...stored[k], ...updated[k] };
      if (Object.keys(codes).length) index[k] = Object.fromEntries(COMMANDS.filter((c) => c.name in codes).map((c) => [c.name, codes[c.name]!]));
    }
    writeFileSync(INDEX, `${JSON.stringify(index, null, 2)}\n`);
    for (const f of readdirSync(GOLDEN)) if (!expectedGoldens.has(join(GOLDEN, f))) unlinkSync(join(GOLDEN, f));
  });
}

describe('golden outputs of every bundled derivation', () => {
  it('finds the bundled .layer files, each with its own golden names', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toContain(join(ROOT, 'seed', 'batchnorm.layer'));
    expect(files.every((f) => f.endsWith('.layer'))).toBe(true);
    expect(new Set(keys.map((k) => k.replace(/\//g, '__'))).size).toBe(keys.length);
  });

  it.skipIf(UPDATE)('has exactly one golden file per file and command, and nothing stale', () => {
    expect(readdirSync(GOLDEN).map((f) => join(GOLDEN, f)).sort()).toEqual([...expectedGoldens].sort());
    expect(Object.keys(stored)).toEqual(keys);
  });

  for (const i of files.keys()) {
    const key = keys[i]!;
    const arg = `${ROOT}/${key}`; // with '/' on every platform, as the outputs show it
    for (const command of COMMANDS) {
      it(`gradproof ${command.name} ${arg}`, () => {
        const golden = goldenOf(key, command.ext);
        const r = cli(...command.argv, arg);
        expect(r.err, 'stderr').toBe('');
        for (const p of LOCAL_PATHS) expect(r.out.includes(p + sep), `output contains the absolute path ${p}`).toBe(false);
        expect(r.out, 'output contains an absolute path').not.toMatch(ABSOLUTE);
        if (command.ext === 'verify.json') expect(() => JSON.parse(r.out)).not.toThrow();
        if (UPDATE) {
          writeFileSync(golden, r.out);
          (updated[key] ??= {})[command.name] = r.code;
          return;
        }
        expect(existsSync(golden), `${golden} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden-outputs.test.ts`).toBe(true);
        expect(r.out).toBe(readFileSync(golden, 'utf8'));
        expect(r.code, 'exit code (exit-codes.json)').toBe(stored[key]?.[command.name]);
      });
    }
  }
});
