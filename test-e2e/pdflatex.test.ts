// `gradproof tex` must give a document that pdflatex compiles, for every bundled
// derivation (Debian's texlive-latex-base: amsmath and geometry, nothing more).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const quiet = { out: () => {}, err: () => {} };

function compile(texFile: string, dir: string): { status: number | null; log: string } {
  const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', texFile], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, log: `${r.stdout}${r.stderr}` };
}

describe('gradproof tex compiles with pdflatex', () => {
  it('finds pdflatex (installed by .ci/run)', () => {
    expect(spawnSync('pdflatex', ['--version']).status).toBe(0);
  });

  for (const target of ['derivations/seed/batchnorm.layer', 'derivations/seed/conv-maxpool.layer', 'derivations']) {
    it(`compiles the proofs of ${target}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'gradproof-tex-'));
      const tex = join(dir, 'proofs.tex');
      expect(main(['tex', target, '-o', tex], quiet)).toBe(0);
      const { status, log } = compile('proofs.tex', dir);
      expect(log.match(/^!.*$/m)?.[0] ?? '').toBe('');
      expect(status).toBe(0);
      const pdf = join(dir, 'proofs.pdf');
      expect(existsSync(pdf)).toBe(true);
      expect(statSync(pdf).size).toBeGreaterThan(10_000);
    });
  }

  it('compiles names beyond ASCII: é, ß, ł set as text; Ð and 中 (no OT1 glyph) as ?', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradproof-tex-'));
    const spec = join(dir, 'names.layer');
    writeFileSync(spec, 'input é[2]\nparam wß, ł, Ð, 中\ny[i] = wß * é[i] * ł * Ð * 中\noutput y\n');
    expect(main(['tex', spec, '-o', join(dir, 'names.tex')], quiet)).toBe(0);
    const tex = readFileSync(join(dir, 'names.tex'), 'utf8');
    expect(tex).toContain('\\frac{\\partial L}{\\partial \\text{é}_{m}}');
    expect(tex).toContain('\\mathrm{w\\text{ß}}');
    expect(tex).not.toMatch(/[Ð中]/);
    const { status, log } = compile('names.tex', dir);
    expect(log.match(/^!.*$/m)?.[0] ?? '').toBe('');
    expect(status).toBe(0);
  });
});
