// Proofs: built from the engine's own record, rendered in KaTeX without a single
// error, deterministic (golden files), and safe with hostile text in a file.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/pipeline.js';
import { reportOf, toHtml, toMarkdown, toTex } from '../src/render/documents.js';
import { katexProblem } from '../src/render/katex.js';
import { printLatex } from '../src/ops/printer.js';
import type { Proof } from '../src/render/proof.js';
import { proofs } from '../src/render/proof.js';
import { main } from '../src/cli.js';

function layerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? layerFiles(p) : p.endsWith('.layer') ? [p] : [];
  });
}

const load = (file: string) => run(file, readFileSync(file, 'utf8'), { check: true });

/** Every LaTeX string a proof holds. */
function latexOf(p: Proof): string[] {
  const lines = [p.chain, ...p.locals, ...p.localSteps, ...p.substitutions, ...p.closedSteps, ...p.elements];
  return [p.adjoint, ...(p.range ? [p.range] : []), ...p.definitions, p.result, ...lines.map((l) => l.latex.replace(/\\\\ &\\quad/g, ''))];
}

describe('proofs of every bundled derivation', () => {
  for (const file of layerFiles('derivations')) {
    it(`${file}: every formula renders in KaTeX (strict, throwOnError)`, () => {
      const r = load(file);
      const ps = proofs(r);
      expect(ps.map((p) => p.name)).toEqual(r.graph.grads.map((g) => g.name));
      for (const p of ps) for (const tex of latexOf(p)) expect(katexProblem(tex), tex).toBeUndefined();
      // and the whole page, aligned blocks included (KaTeX throws on any error)
      expect(() => toHtml(reportOf(r, readFileSync(file, 'utf8')))).not.toThrow();
    });
  }
});

describe('the proof of dL/dμ for batch norm', () => {
  const file = 'derivations/seed/batchnorm.layer';
  const r = load(file);
  const mu = proofs(r).find((p) => p.name === 'mu')!;

  it('starts from the chain rule through σ² and x̂, as the seed does', () => {
    // ∂L/∂μ = ∂L/∂σ²·∂σ²/∂μ + Σᵢ ∂L/∂x̂ᵢ·∂x̂ᵢ/∂μ
    expect(mu.chain.latex).toBe(
      '\\frac{\\partial L}{\\partial \\mu} = \\frac{\\partial L}{\\partial \\sigma^2}\\,\\frac{\\partial \\sigma^2}{\\partial \\mu} + \\sum_{i=1}^{n} \\frac{\\partial L}{\\partial \\hat{x}_{i}}\\,\\frac{\\partial \\hat{x}_{i}}{\\partial \\mu}',
    );
  });

  it('works out each local derivative: ∂x̂ᵢ/∂μ = −1/√(σ² + ε), ∂σ²/∂μ = −2Σᵢ(xᵢ − μ)/n', () => {
    expect(mu.locals.map((l) => l.latex)).toEqual([
      '\\frac{\\partial \\sigma^2}{\\partial \\mu} = -\\frac{2\\,\\sum_{i=1}^{n} \\left(x_{i} - \\mu\\right)}{n}',
      '\\frac{\\partial \\hat{x}_{i}}{\\partial \\mu} = -\\frac{1}{\\sqrt{\\sigma^2 + \\epsilon}}',
    ]);
  });

  it('names the steps that eliminate Σᵢ(xᵢ − μ): linearity, then the definition of μ', () => {
    const reasons = mu.closedSteps.map((l) => l.reason ?? '');
    const split = reasons.indexOf('the sum over i is linear');
    // Σᵢ xᵢ = n·μ: the step that makes Σᵢ(xᵢ − μ) vanish
    const fold = reasons.indexOf('Σ_{i=1}^{n} x[i] = n·μ by the definition of μ');
    expect(split).toBeGreaterThan(0);
    expect(fold).toBeGreaterThan(split);
    expect(mu.result).toBe('\\frac{\\partial L}{\\partial \\mu} = -\\frac{\\gamma\\,\\sum_{i=1}^{n} \\frac{\\partial L}{\\partial y_{i}}}{\\sqrt{\\sigma^2 + \\epsilon}}');
  });

  it('takes every line from the simplifier’s own record (Step.root)', () => {
    const f = r.derivation.adjoints.get('mu')!;
    const roots = new Set(f.closed.steps.map((s) => printLatex(s.root, { tex: r.graph.tex, loss: 'L' })));
    const [, ...steps] = mu.closedSteps;
    for (const l of steps) if (!l.latex.includes('&\\quad') && l.reason !== 'common factors taken out') expect(roots.has(l.latex), l.latex).toBe(true);
  });

  it('gives the numeric evidence', () => {
    expect(mu.evidence).toMatch(/64-digit arithmetic at n=1; n=2; n=3; n=5; n=8 \(15 points, each form along a random direction per tensor and point\): every form agrees/);
  });
});

describe('golden proofs (byte-identical across runs)', () => {
  // regenerate with UPDATE_GOLDEN=1 npx vitest run test/proof.test.ts, and read the diff
  for (const name of ['batchnorm', 'conv-avgpool']) {
    it(`derivations/seed/${name}.layer as Markdown`, () => {
      const file = `derivations/seed/${name}.layer`;
      const md = toMarkdown([reportOf(load(file), readFileSync(file, 'utf8'))]);
      const golden = `test/golden/${name}.md`;
      if (process.env.UPDATE_GOLDEN) writeFileSync(golden, md);
      expect(md).toBe(readFileSync(golden, 'utf8'));
      // every $$ block is math KaTeX (and so GitHub's and Jupyter's renderers) accepts
      const blocks = [...md.matchAll(/^\$\$\n([\s\S]*?)\n\$\$$/gm)].map((m) => m[1]!);
      expect(blocks.length).toBeGreaterThan(10);
      for (const b of blocks) expect(katexProblem(b), b).toBeUndefined();
    });
  }

  it('gives byte-identical HTML and LaTeX for the same file', () => {
    const file = 'derivations/seed/conv-maxpool.layer';
    const a = reportOf(load(file), readFileSync(file, 'utf8'));
    const b = reportOf(load(file), readFileSync(file, 'utf8'));
    expect(toHtml(a)).toBe(toHtml(b));
    expect(toTex([a])).toBe(toTex([b]));
  });
});

describe('hostile text in a file never becomes live markup', () => {
  const evil = [
    '# <script>alert("comment")</script> & <img src=x onerror=alert(1)>',
    'input x[n]',
    'y[i] = x[i] * x[i]',
    'tex x "<script>alert(1)</script>"',
    'claim y[1] = x[1] # </pre><script>alert(2)</script>',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'gradproof-evil-'));
  const file = join(dir, '<b onmouseover=alert(3)>evil.layer');
  writeFileSync(file, evil);
  const r = run(file, evil, { check: true });
  const report = reportOf(r, evil);

  it('escapes names, comments, titles and the source in HTML', () => {
    const html = toHtml(report);
    expect(html).not.toMatch(/<script>alert|<img src=x|<b onmouseover|<\/pre><script>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;comment&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b onmouseover=alert(3)&gt;evil.layer');
    // the tex name went through KaTeX, which escapes it
    expect(html).not.toContain('<script>');
  });

  it('escapes them in LaTeX and Markdown too', () => {
    const tex = toTex([report]);
    expect(tex).not.toMatch(/\\write18|\\input\{/);
    expect(tex).toContain('\\section*{');
    // outside its fenced source block (which Markdown shows as text), nothing is raw
    const md = toMarkdown([report]).replace(/^```\n[\s\S]*?\n```$/m, '');
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\<script\\>');
  });

  it('writes the page through the command line as well', () => {
    const out = join(dir, 'page.html');
    expect(main(['html', file, '-o', out], { out: () => {}, err: () => {} })).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toContain('<script>alert');
  });
});

describe('names beyond ASCII', () => {
  // Math mode has no accented letters: KaTeX's strict mode refused ∂L/∂é ("Accented
  // Unicode text character used in math mode") and `html` failed. Such letters are
  // written as \text{é}; the .tex document keeps those pdflatex sets and writes any other
  // as ? (test-e2e/pdflatex.test.ts compiles it).
  const text = 'input é[2]\nparam wß, 中\ny[i] = wß * 中 * é[i]\noutput y\n';
  const r = run('names.layer', text, { check: true });
  const report = reportOf(r, text);

  it('html renders them (KaTeX strict) and the check passes', () => {
    expect(r.check!.pass).toBe(true);
    const html = toHtml(report);
    expect(html).toContain('<annotation encoding="application/x-tex">\\frac{\\partial L}{\\partial \\text{é}_{m}}');
    expect(katexProblem('\\mathrm{w\\text{ß}}\\,\\text{中}')).toBeUndefined();
  });

  it('the .tex document keeps é and ß, and writes 中 as ?', () => {
    const tex = toTex([report]);
    expect(tex).toContain('\\frac{\\partial L}{\\partial \\mathrm{w\\text{ß}}}');
    expect(tex).toContain('\\text{?}');
    expect(tex).not.toContain('中');
  });
});
