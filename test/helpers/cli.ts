// Test helpers shared by the test files: the command line run in-process with its output
// captured, and what a function throws.
import { main } from '../../src/cli.js';

/** `gradproof ARGV…` in-process: its exit code, standard output and standard error. */
export function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** What f throws, or undefined when it returns. */
export function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
