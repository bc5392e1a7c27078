// The command line, run in-process: its output, its JSON and its exit codes
// (2 bad input, 1 a failed check, 0 otherwise).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';


/** A .layer file with this text, in a fresh temporary folder. */
function layerFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gradproof-')), name);
  writeFileSync(file, text);
  return file;
}

describe('gradproof command line', () => {
  it('derives batch norm with Σ over i = 1..n, in Unicode text', () => {
    const r = cli('derive', 'derivations/seed/batchnorm.layer');
    expect(r.code).toBe(0);
    expect(r.out).toContain('closed   ∂L/∂μ = −γ·(Σ_{i=1}^{n} ∂L/∂y[i])/√(σ² + ε)');
    expect(r.out).toContain('claims (gradproof verify gives their verdicts):');
  });

  it('writes out elementwise forms with --size', () => {
    const r = cli('derive', 'derivations/seed/conv1d.layer', '--size', 'n=4,K=2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('elementwise (n = 4, K = 2)');
    // dL/dw[1] = Σ_{j=1}^{3} ō[j]·x[j], written out
    expect(r.out).toContain('∂L/∂w[1] = x[1]·∂L/∂o[1] + x[2]·∂L/∂o[2] + x[3]·∂L/∂o[3]');
  });

  it('checks a folder and exits 0 when every form agrees', () => {
    const r = cli('check', 'derivations/seed');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/PASS {2}dL\/dmu +closed/);
    expect(r.out).not.toContain('FAIL');
  });

  it('gives JSON with text and LaTeX of every form', () => {
    const r = cli('derive', 'derivations/seed/conv1d.layer', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { gradients: { name: string; closed: { text: string; latex: string } }[] };
    const w = j.gradients.find((g) => g.name === 'w')!;
    expect(w.closed.text).toBe('Σ_{j=1}^{n − K + 1} x[j + m − 1]·∂L/∂o[j]');
    expect(w.closed.latex).toContain('\\sum_{j=1}^{n - K + 1}');
  });

  it('reports bad input as file:line:col and exits 2, without a stack trace', () => {
    const file = layerFile('bad.layer', 'input x[n]\ny[i] = x[i] + z\n');
    const r = cli('derive', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:2:15: unknown name z`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('gives byte-identical output for the same input', () => {
    // deterministic: sampling is seeded, work is bounded by counts, not time
    const a = cli('check', 'derivations/seed/conv-maxpool.layer', '--json');
    const b = cli('check', 'derivations/seed/conv-maxpool.layer', '--json');
    expect(a.out).toBe(b.out);
    expect(cli('derive', 'derivations/seed/batchnorm.layer').out).toBe(cli('derive', 'derivations/seed/batchnorm.layer').out);
    // and another seed samples other points
    const c = cli('check', 'derivations/seed/conv-maxpool.layer', '--json', '--seed', '7');
    expect(c.code).toBe(0);
    expect(c.out).not.toBe(a.out);
  });

  it('says honestly when no point can be sampled (a forward pass that is never finite)', () => {
    const file = layerFile('nan.layer', 'param a\ny = a / 0\n');
    const r = cli('check', file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('no point where the forward pass is finite');
  });

  it('exits 2 on a usage error and prints help', () => {
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('derive', '--bogus', 'x.layer').err).toContain('unknown option --bogus');
    expect(cli('derive', 'no/such/file.layer').code).toBe(2);
    expect(cli('derive', 'derivations/seed/conv1d.layer', '--size', 'q=3').err).toContain('has no size q');
    const h = cli('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('gradproof derive');
    expect(cli('--version').out).toMatch(/^gradproof \d+\.\d+\.\d+/);
  });
});

describe('the executable', () => {
  // `gradproof derive … | head` closes the pipe after the first lines; the program then
  // wrote into a closed pipe and died of an unhandled EPIPE with a stack trace. It stops
  // quietly now, as Unix tools do. Runs the built executable (dist/, built by `npm ci`
  // through `prepare`).
  it('stops quietly when the reader closes the pipe early', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['dist/src/bin.js', 'derive', 'derivations/seed/cnn.layer'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.destroy(); // closed before the first line is written, as `| head -0` does
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('walking a folder', () => {
  // derive /tmp died with "gradproof: ENOENT … stat '/tmp/…/SingletonCookie'": a dangling
  // link met while walking a folder crashed the walk. Now a dangling link is skipped unless
  // it is named .layer, which is reported as unreadable, and the other files go on.
  it('skips a dangling link, reports a dangling .layer link, and derives the rest', async () => {
    const { symlinkSync, copyFileSync, mkdirSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'gradproof-walk-'));
    mkdirSync(join(dir, 'sub'));
    copyFileSync('derivations/seed/batchnorm.layer', join(dir, 'sub', 'batchnorm.layer'));
    symlinkSync(join(dir, 'no-such-target'), join(dir, 'dangling'));
    symlinkSync(join(dir, 'no-such.layer'), join(dir, 'gone.layer'));
    const { code, out, err } = cli('derive', dir);
    expect(err).toBe(`${join(dir, 'gone.layer')}: cannot read it: no such file (or a link to nothing)\n`);
    expect(out).toContain(`${join(dir, 'sub', 'batchnorm.layer')}\n  sizes: n (symbolic)`);
    expect(code).toBe(2);
  });
});

describe('files that are not UTF-8 text', () => {
  // A UTF-16 file (as some Windows editors save) was reported as `unexpected "�"` at 1:1,
  // a binary file likewise: true, but not what is wrong. Now the message says it.
  it('a UTF-16 file and a binary file are named as such; a UTF-8 file with a BOM and CRLF derives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradproof-enc-'));
    const spec = 'input x[n]\ny[i] = 2 * x[i]\noutput y\n';
    writeFileSync(join(dir, 'u16.layer'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(spec, 'utf16le')]));
    writeFileSync(join(dir, 'bin.layer'), Buffer.from([0x69, 0x6e, 0x0a, 0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    writeFileSync(join(dir, 'bom.layer'), '\ufeff' + spec.replace(/\n/g, '\r\n'));
    const at = (f: string): ReturnType<typeof cli> => cli('derive', join(dir, f));
    expect(at('u16.layer')).toMatchObject({ code: 2, err: `${join(dir, 'u16.layer')}: cannot read it: it is UTF-16 text; a .layer file is UTF-8 (save it as UTF-8)\n` });
    expect(at('bin.layer')).toMatchObject({ code: 2, err: `${join(dir, 'bin.layer')}: cannot read it: it is not text (a NUL byte on line 2); a .layer file is UTF-8 text\n` });
    const bom = at('bom.layer');
    expect(bom.code).toBe(0);
    expect(bom.out).toContain('∂L/∂x[m] = 2·∂L/∂y[m]');
  });
});
