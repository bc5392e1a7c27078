// Security review (issue 9): every place where a user's text reaches an output, attacked.
// User text: names (identifiers, dotted, Greek), `tex NAME "…"` strings, comments (the
// first ones become a report's description), claims (spec and `claim latex:`), file and
// include paths (with < " ' & $ ` newlines ..), CSV/JSON data for train, and the
// playground's URL hash. Outputs: HTML (pages, the playground's pieces, the index, the
// --compare page), LaTeX, Markdown, generated JavaScript/TypeScript/NumPy/torch, the
// files the command line writes, and the terminal. Each test fails if its injection works.
// (test/proof.test.ts and test/codegen.test.ts hold the first, smaller versions of some.)
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test, it } from 'vitest';
import { compile } from '../src/codegen/compile.js';
import type { TargetName } from '../src/codegen/targets.js';
import { run } from '../src/pipeline.js';
import type { Report } from '../src/render/documents.js';
import { reportOf, toHtml, toHtmlIndex, toHtmlParts, toMarkdown, toTex } from '../src/render/documents.js';
import { katexHtml, katexProblem, texNameProblem } from '../src/render/katex.js';
import { latexText } from '../src/render/latex-text.js';
import { SpecError } from '../src/syntax/errors.js';
import { cli, thrownBy } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradproof-security-'));


// ── the hostile file: every kind of user text, each carrying a payload ──────────────

/** A folder name for `include`, with the characters HTML, LaTeX, Markdown and shells give a meaning to. */
const INC = 'inc <script>"\'&$`';
/** The file's own name (a newline too: Linux allows it). */
const FILE = 'evil <img src=x onerror=alert(1)> "\'& $`~%#^_{}\\ javascript:alert(1)\n[x](javascript:alert(2)).layer';

const LIB = [
  '# <script>alert("lib")</script>',
  'def double(v[N])   # </pre><script>alert(10)</script> \\end{verbatim}\\input{/etc/passwd} ```',
  '  z[i] = 2 * v[i]',
  'end',
  '',
].join('\n');

const SPEC = [
  '# <script>alert("description")</script> " onmouseover="alert(1)" \' onfocus=\'alert(2)\'',
  '# \\input{/etc/passwd} \\write18{touch pwned} \\catcode`\\@=11 \\def\\x{} } { % $ & ^^5cinput _ ~ \\end{verbatim}',
  '# [a](javascript:alert(3)) <http://evil.example/> ``` ~~~ $$ <!-- x --> &lt;script&gt; \u001b]0;title\u0007',
  `include "${INC.replace(/"/g, '\\"')}/lib.layer"`,
  'input x[n]   # </pre><script>alert(4)</script> \\end{verbatim}\\input{/etc/passwd}',
  'param w      # ```',
  'param onload',
  'c1 = double(x)',
  'y[i] = w * c1[i] + onload',
  'output y',
  'grad w, onload, x',
  'tex w "\\mathrm{<script>alert(5)</script>}"',
  'tex onload "[a](javascript:alert(6))"',
  'tex x "\\text{\\" onmouseover=\\"alert(7)\\"}"',
  'claim dL/dw = sum(i, dL/dy[i] * c1[i])  # <script>alert(8)</script>',
  'claim dL/dw = sum(i, dL/dy[i])',
  'claim latex: \\frac{\\partial L}{\\partial w} = \\href{javascript:alert(9)}{x} <script> \\end{verbatim}',
  'claim latex: \\input{/etc/passwd} } { % \\verb|x| ``` = 1',
  'claim nosuch = 1',
  '',
].join('\n');

mkdirSync(join(tmp, INC), { recursive: true });
writeFileSync(join(tmp, INC, 'lib.layer'), LIB);
const file = join(tmp, FILE);
writeFileSync(file, SPEC);
const report: Report = reportOf(run(file, SPEC, { check: true, verify: true }), SPEC);

// ── HTML: a strict reading of our own markup ──────────────────────────────────────

/** Elements our pages and KaTeX (HTML and MathML) write, and the compare page's SVG. */
const TAGS = new Set(
  ('html head meta title style body h1 h2 h3 p br table caption tr td th a pre code section div ul li strong em span ' +
    'svg path line rect g text defs clipPath ' +
    'math semantics annotation mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle mpadded mphantom ' +
    'mtable mtr mtd mover munder munderover menclose').split(' '),
);
const ATTRS = new Set(
  ('class id href style lang charset aria-hidden role xmlns width height viewBox preserveAspectRatio d encoding display ' +
    'accent accentunder columnalign columnspacing rowspacing fence separator stretchy lspace rspace mathcolor mathsize ' +
    'mathvariant notation scriptlevel displaystyle minsize maxsize movablelimits linethickness ' +
    'x y x1 x2 y1 y2 transform stroke stroke-width stroke-dasharray text-anchor clip-path').split(' '),
);

const decodeEntities = (s: string): string =>
  s.replace(/&#x([0-9a-f]+);?/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(quot|amp|lt|gt|apos|#39);/g, (_m, n: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", '#39': "'" })[n]!);

/**
 * Everything in `html` that is not markup we write: a `<` that opens no well-formed tag,
 * an element or attribute outside the lists above, an event handler, a script URL, a
 * link that leaves the page or its folder. Style sheets (ours, no user text) are skipped.
 */
function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>/, '').replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
  const TAG = /^<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z][-A-Za-z0-9:]*(?:="[^"<>]*")?)*)\s*\/?>/;
  for (let i = body.indexOf('<'); i >= 0; i = body.indexOf('<', i + 1)) {
    const m = TAG.exec(body.slice(i, i + 20_000));
    if (!m) {
      problems.push(`a < that opens none of our tags: ${JSON.stringify(body.slice(i, i + 80))}`);
      continue;
    }
    if (!TAGS.has(m[2]!)) problems.push(`element <${m[2]}>`);
    for (const a of m[3]!.matchAll(/([A-Za-z][-A-Za-z0-9:]*)(?:="([^"]*)")?/g)) {
      const [attr, raw = ''] = [a[1]!, a[2]];
      const value = decodeEntities(raw);
      if (/^on/i.test(attr)) problems.push(`event handler ${attr}="${raw}"`);
      else if (!ATTRS.has(attr)) problems.push(`attribute ${attr}="${raw}"`);
      if (/(java|vb)script\s*:|data\s*:\s*text/i.test(value)) problems.push(`script URL in ${attr}="${raw}"`);
      if (attr === 'href' && !/^(#[\p{L}\p{N}_.-]*|[\p{L}\p{N}_-]+\.html)$/u.test(value)) problems.push(`a link out of the page or its folder: ${raw}`);
      if (attr === 'style' && /url\(|expression|@import|behavior/i.test(value)) problems.push(`style that loads: ${raw}`);
    }
  }
  return problems;
}

/** A raw tag that runs or loads something (KaTeX's own <svg> and <math> are checked by htmlProblems). */
const LIVE = /<\s*\/?\s*(script|img|iframe|object|embed|base|form|link|svg\/)/i;

describe('HTML: a report page, the playground’s pieces and the index', () => {
  test('the checker itself finds what it should (a script, a handler, a javascript: link)', () => {
    expect(htmlProblems('<p>ok <a href="#w">w</a></p>')).toEqual([]);
    expect(htmlProblems('<p><script>alert(1)</script></p>').join()).toMatch(/element <script>/);
    expect(htmlProblems('<p class="x" onclick="alert(1)">').join()).toMatch(/event handler onclick/);
    expect(htmlProblems('<a href="&#106;avascript:alert(1)">').join()).toMatch(/script URL/);
    expect(htmlProblems('<p title="a" x"=>').join()).toMatch(/opens none/);
  });

  test('names, tex names, comments, claims, the file’s name and an include path stay text', () => {
    const html = toHtml(report);
    expect(htmlProblems(html)).toEqual([]);
    expect(html).not.toMatch(LIVE);
    // the payloads are there, as text
    expect(html).toContain('&lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt; &quot; onmouseover=&quot;alert(1)&quot;');
    expect(html).toContain('evil &lt;img src=x onerror=alert(1)&gt; &quot;&#39;&amp;');
    expect(html).toContain('inc &lt;script&gt;&quot;&#39;&amp;$`/lib.layer'); // the layer's def, where it is from
    expect(html).toContain('\\href{javascript:alert(9)}{x} &lt;script&gt;'); // a claim as typed
    // a tex name is math: KaTeX writes it as text in its HTML and its MathML annotation
    expect(html).toContain('<annotation encoding="application/x-tex">');
    expect(html).toMatch(/\\mathrm\{&lt;script&gt;alert\(5\)&lt;\/script&gt;\}/);
  });

  test('the playground’s pieces (innerHTML of its page), for a file named by the URL hash', () => {
    // web/main.ts: `file` and the text come from #file=…&spec=…; the worker sends toHtmlParts
    const fromHash = '<img src=x onerror=alert(1)>"><svg/onload=alert(2)>';
    const r = reportOf(run(fromHash, SPEC.replace(/^include .*$/m, '').replace(/c1 = double\(x\)/, 'c1[i] = 2 * x[i]'), { vet: false }), SPEC);
    const parts = toHtmlParts(r, { source: false });
    for (const p of parts) expect(htmlProblems(p)).toEqual([]);
    expect(parts.join('\n')).not.toMatch(LIVE);
    expect(parts[0]).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;&quot;&gt;&lt;svg/onload=alert(2)&gt;</h1>');
  });

  test('the playground sets innerHTML in one place only, from the engine’s pieces; the rest is textContent', () => {
    const page = readFileSync('web/main.ts', 'utf8');
    expect(page.match(/\.innerHTML\s*=/g)).toHaveLength(1);
    expect(page).toMatch(/t\.innerHTML = i === 0 \? `<div class="head">\$\{html\}<\/div>` : html;/);
    expect(page).not.toMatch(/outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    // the problem box and the verdicts are text
    expect(page).toMatch(/box\.textContent = p\.formatted/);
    expect(page).toMatch(/code\.textContent = ` \$\{v\.text\}`/);
    expect(page).toMatch(/details\.textContent = v\.details\.join/);
  });

  test('a proof’s id (its name: `status`, `proofs`, …) cannot take over the page’s own elements', () => {
    // getElementById returns the first in document order: every id main.ts looks up must
    // stand before #proofs, where the engine's <h2 id="NAME"> go
    const page = readFileSync('web/index.html', 'utf8');
    const proofs = page.indexOf('id="proofs"');
    const ids = [...readFileSync('web/main.ts', 'utf8').matchAll(/\$(?:<[^>]+>)?\('([\w-]+)'\)/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(5);
    for (const id of new Set(ids)) {
      const at = page.indexOf(`id="${id}"`);
      expect(at, id).toBeGreaterThanOrEqual(0);
      if (id !== 'proofs') expect(at, id).toBeLessThan(proofs);
    }
  });

  test('the index: hostile names in its table, and links that stay in the folder', () => {
    const html = toHtmlIndex([{ report, href: 'tmp-evil-img-src-x-onerror-alert-1.html' }]);
    expect(htmlProblems(html)).toEqual([]);
    expect(html).not.toMatch(LIVE);
  });

  test('KaTeX runs with trust off: \\href and \\url render as inert text even where one slips through', () => {
    for (const tex of ['\\href{javascript:alert(1)}{x}', '\\url{javascript:alert(1)}']) {
      const html = katexHtml(tex, false);
      expect(htmlProblems(html)).toEqual([]);
      expect(html).not.toMatch(/<a\s/);
    }
  });
});

// ── tex strings: what KaTeX accepts but LaTeX (or MathJax) would run ──────────────────

describe('tex strings: macros, verbatim, links and files are refused at their line', () => {
  const withTex = (tex: string): string => `input x[n]\ny[i] = x[i] * x[i]\ntex x "${tex.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`;
  const refused: [string, RegExp][] = [
    // pdflatex ran these: \gdef\partial{\input{/etc/hostname}}x put the machine's name into the PDF
    ['\\gdef\\partial{\\input{/etc/passwd}}x', /\\gdef is not allowed/],
    ['\\def\\foo{\\input{/etc/passwd}}x', /\\def is not allowed/],
    ['\\edef\\foo{x}x', /\\edef/],
    ['\\global\\let\\alpha\\beta x', /\\global/],
    ['\\newcommand{\\alpha}{\\input{/etc/passwd}}x', /\\newcommand/],
    ['\\renewcommand\\partial{\\write18{rm -rf ~}}x', /\\renewcommand/],
    ['\\verb|}\\input{/etc/passwd}{|', /\\verb is not allowed/], // } ends \subsection*{…} early in LaTeX
    ['\\text{\\verb|}|}', /\\verb/],
    ['\\href{javascript:alert(1)}{x}', /\\href/],
    ['\\url{javascript:alert(1)}', /\\url/],
    ['\\includegraphics{/etc/passwd}', /\\includegraphics/],
    ['\\htmlClass{x}{y}', /\\htmlClass/],
    ['\\htmlStyle{background:url(x)}{y}', /\\htmlStyle/],
    ['\\TextOrMath{\\input{/etc/passwd}}{x}', /\\TextOrMath/], // KaTeX drops the unused branch unparsed
    ['\\message{\\input{/etc/passwd}}x', /\\message/],
    ['\\@firstoftwo{x}{\\input{/etc/passwd}}', /\\@firstoftwo/],
    ['\\html@mathml{x}{y}', /\\html@mathml/],
    ['\\expandafter x', /\\expandafter/],
    ['\\noexpand x', /\\noexpand/],
    ['x^^5cinput', /\^\^/],
    ['\\text{\\^^69nput}', /\^\^/], // TeX reads \^^69nput as \input
    ['x%', /%|LaTeX-incompatible/],
    ['\\text{a\u202eb}', /U\+202E/], // a bidirectional override
    ['\\text{a\u2028b}', /U\+2028/], // a line end to JavaScript (the generated code's comments)
    ['a\u001b[31mb', /U\+001B/],
    ['\\input{/etc/passwd}', /\\input/],
    ['\\catcode`\\@=11', /\\catcode/],
    ['\\csname input\\endcsname', /\\csname/],
    ['\\immediate\\write18{touch pwned}', /\\immediate/],
  ];
  test.each(refused)('%s', (tex, why) => {
    expect(katexProblem(tex)).toMatch(why);
    const e = thrownBy(() => run('t.layer', withTex(tex)));
    expect(e).toBeInstanceOf(SpecError);
    const s = e as SpecError;
    expect(s.span?.line).toBe(3);
    expect(s.span?.col).toBe(1);
    expect(s.detail).toMatch(/does not render in KaTeX/);
  });

  test('the names people write still render', () => {
    const fine = ['\\sigma^2', '\\hat{x}', 'W^{[2]}', 'a^{(1)}', '\\mathcal{L}', '\\beta_1', '\\eta_{\\max}', '\\boldsymbol{\\theta}', '\\tilde{W}^{(1)}', '\\text{loss}', '\\bar{x}', '\\mathbb{1}', 'x\\%', '\\sqrt[3]{v}', '\\operatorname{sm}', '\\mathrm{x}\\,\\mathrm{y}'];
    for (const tex of fine) expect(texNameProblem(tex), tex).toBeUndefined();
    expect(() => run('t.layer', withTex('\\hat{x}'))).not.toThrow();
    // the engine's own displays colour their reasons: fine outside a name
    expect(katexProblem('\\textcolor{#666}{x}')).toBeUndefined();
  });

  // Nothing runs, but a verdict page must show the mathematics as written: a name shown
  // white, a gap where a term seems missing, ink laid over the next symbol, or an \over
  // that makes the group around it a fraction would make it show something else.
  const disguising = ['\\color{white}x', '\\textcolor{white}{x}', '\\colorbox{white}{x}', '\\phantom{x}', '\\hphantom{xx}', '\\llap{=}x', '\\rlap{\\not}x', '\\mathclap{x}', '\\smash{x}', 'a \\over b', 'a \\atop b', 'n \\choose k', '\\kern-2em x', '\\mkern-18mu x', '\\hspace{-1em}x', '\\raisebox{1em}{x}', '\\rule{1em}{1em}', '\\boxed{x}'];
  test.each(disguising)('a name may not hide or move ink: %s', (tex) => {
    expect(texNameProblem(tex)).toMatch(/may not colour, hide, overlap or move/);
    const e = thrownBy(() => run('t.layer', withTex(tex)));
    expect(e).toBeInstanceOf(SpecError);
    expect([(e as SpecError).span?.line, (e as SpecError).span?.col]).toEqual([3, 1]);
  });

  test('no refused tex reaches a document: the LaTeX report of a file that tries is never written', () => {
    const dir = mkdtempSync(join(tmp, 'gdef-'));
    const f = join(dir, 'a.layer');
    writeFileSync(f, withTex('\\gdef\\partial{\\input{/etc/hostname}}x'));
    const r = cli('tex', f, '-o', join(dir, 'a.tex'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/a\.layer:3:1: .*\\gdef is not allowed/);
    expect(() => statSync(join(dir, 'a.tex'))).toThrow();
  });
});

// ── LaTeX ───────────────────────────────────────────────────────────────────────────

/** TeX's tokens of `s`: control words and symbols, and the characters with a catcode of their own. */
function texTokens(s: string): { cs?: string; char?: string; at: number }[] {
  return [...s.matchAll(/\\([A-Za-z@]+|[^])|([{}%$&#^_~])/g)].map((m) => (m[1] !== undefined ? { cs: m[1], at: m.index } : { char: m[2]!, at: m.index }));
}

const DANGEROUS_CS = /^(input|include|InputIfFileExists|write|write18|immediate|openout|openin|read|catcode|def|gdef|edef|xdef|let|global|csname|expandafter|noexpand|verb|href|url|special|makeatletter|newcommand|renewcommand|providecommand|usepackage|documentclass|iffalse|end|begin|endinput|TextOrMath|message)$/;

describe('LaTeX: the .tex document', () => {
  const tex = toTex([report]);
  const [preamble, body] = tex.split('\\begin{document}\n') as [string, string];

  test('the preamble is ours, byte for byte', () => {
    expect(preamble).toBe('\\documentclass[11pt]{article}\n\\usepackage[a4paper,margin=2cm]{geometry}\n\\usepackage{amsmath,amssymb}\n\\allowdisplaybreaks\n\\title{Gradient derivations}\n\\author{gradproof}\n\\date{}\n');
  });

  test('verbatim blocks end where we end them (the source’s \\end{verbatim} does not)', () => {
    const blocks = [...body.matchAll(/\\begin\{verbatim\}\n([\s\S]*?)\n\\end\{verbatim\}/g)];
    expect(blocks.length).toBe((body.match(/\\begin\{verbatim\}/g) ?? []).length);
    expect(blocks.length).toBe((body.match(/\\end\{verbatim\}/g) ?? []).length);
    expect(blocks.length).toBeGreaterThanOrEqual(2); // the file, and the included layer's def
    for (const b of blocks) {
      expect(b[1]).not.toContain('\\end{verbatim}'); // LaTeX ends verbatim at this string anywhere on a line
      expect(b[1]).not.toMatch(/[^\x09\x0a\x20-\x7e]/); // pdflatex's verbatim: ASCII only
    }
    expect(blocks[0]![1]).toContain('\\end {verbatim}\\input{/etc/passwd}');
  });

  test('outside verbatim, no user text makes a control sequence, a comment or an unbalanced brace', () => {
    const outside = body.replace(/\\begin\{verbatim\}\n[\s\S]*?\n\\end\{verbatim\}/g, '\\begin{verbatim}\\end{verbatim}');
    const tokens = texTokens(outside);
    const bad = tokens.filter((t) => t.cs !== undefined && DANGEROUS_CS.test(t.cs) && !/^\\(begin|end)\{(verbatim|itemize|align\*|document)\}/.test(outside.slice(t.at)));
    expect(bad.map((t) => outside.slice(t.at, t.at + 40))).toEqual([]);
    expect(tokens.filter((t) => t.char === '%').map((t) => outside.slice(t.at - 30, t.at + 10))).toEqual([]);
    expect(outside).not.toContain('^^');
    let depth = 0;
    for (const t of tokens) {
      if (t.char === '{') depth++;
      if (t.char === '}') depth--;
      expect(depth, outside.slice(t.at - 60, t.at + 20)).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
  });

  test('each piece of user text sits escaped in its place', () => {
    expect(body).toContain(`\\section*{${latexText(file)}}\n`);
    expect(latexText(file)).not.toMatch(/\n/);
    expect(body).toContain('\\textbackslash{}input\\{/etc/passwd\\} \\textbackslash{}write18\\{touch pwned\\}');
    expect(body).toContain('\\} \\{ \\% \\$ \\& \\^{}\\^{}5cinput \\_ \\~{} \\textbackslash{}end\\{verbatim\\}\\\\');
    expect(body).toMatch(/\\texttt\{claim latex: \\textbackslash\{\}input\\\{\/etc\/passwd\\\} \\\} \\\{ \\% \\textbackslash\{\}verb\|x\| ``` = 1\}/);
    // the ESC of the third comment line: '?' (pdflatex: an invalid character)
    expect(body).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  test('latexText: every ASCII and a sample of other characters, nothing active comes out', () => {
    const all = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), 'μ', 'é', '∞', '\u2028', '\u202e', '😀'].join('');
    const out = latexText(all + '^^5c' + '\\input{x}');
    const allowed = new Set(['textbackslash', '{', '}', '$', '&', '#', '%', '_', '^', '~', 'infty', 'cdot', 'le', 'ge', 'ne', 'mid', 'surd', 'mu', 'pi']);
    for (const t of texTokens(out)) {
      if (t.cs !== undefined) expect(allowed.has(t.cs), t.cs).toBe(true);
      else expect(['{', '}', '$'].includes(t.char!), `${t.char} at ${out.slice(t.at - 10, t.at + 10)}`).toBe(true);
    }
    // braces only as the empty groups after \textbackslash, \^ and \~
    expect(out.replace(/\\[{}]/g, '').replace(/\\(textbackslash|\^|~)\{\}/g, '')).not.toMatch(/[{}]/);
    // beyond ASCII only a letter pdflatex sets from UTF-8 input (é: \'e, defined; the
    // e2e test compiles names like it), never a control, a separator or an undefined one
    expect(out.replace(/é/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/);
    expect(out).toContain('é');
  });
});

// ── Markdown ────────────────────────────────────────────────────────────────────────

describe('Markdown: no raw HTML, no link, no fence broken', () => {
  const md = toMarkdown([report]);
  const lines = md.split('\n');

  test('fences are ours: "```" lines in pairs, the source’s ``` made harmless inside them', () => {
    const fences = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ {0,3}(`{3,}|~{3,})/.test(l));
    expect(fences.every(([l]) => l === '```')).toBe(true);
    expect(fences.length % 2).toBe(0);
    expect(fences.length).toBeGreaterThanOrEqual(4); // the file, and the included def
    // nothing inside a block is a fence
    for (let k = 0; k < fences.length; k += 2) {
      const inside = lines.slice(fences[k]![1] + 1, fences[k + 1]![1]);
      expect(inside.some((l) => l.includes('```'))).toBe(false);
    }
    expect(md).toContain('param w      # ` ` `');
  });

  test('outside code, no < opens HTML and no ]( or [..]: makes a link', () => {
    const outside = md
      .replace(/^```\n[\s\S]*?\n```$/gm, '')
      .replace(/`[^`\n]*`/g, '');
    expect(outside.match(/(?<!\\)<.{0,30}/g)).toBeNull();
    expect(outside.match(/.{0,30}(?<!\\)\]\(.{0,30}/g)).toBeNull();
    expect(outside.match(/^ {0,3}\[(?:[^\]\\]|\\.)*\]:.*/gm)).toBeNull();
    expect(outside).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    // the tex name [a](javascript:alert(6)) is math, and no link in a renderer without math
    expect(md).toContain('[a] (javascript:alert(6))');
  });

  test('the file’s name is one heading line, its specials escaped', () => {
    const outside = md.replace(/^```\n[\s\S]*?\n```$/gm, '').split('\n');
    const headings = outside.filter((l) => l.startsWith('# '));
    expect(headings).toHaveLength(1);
    expect(headings[0]).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(headings[0]).toContain('javascript:alert(1)?\\[x\\](javascript:alert(2)).layer'); // the newline is '?'
  });

  test('claims sit in code spans, as typed, one line each', () => {
    expect(md).toContain("`claim latex: \\frac{\\partial L}{\\partial w} = \\href{javascript:alert(9)}{x} <script> \\end{verbatim}`");
    expect(md).toContain("`claim latex: \\input{/etc/passwd} } { % \\verb|x| ''' = 1`");
  });
});

// ── generated code ──────────────────────────────────────────────────────────────────

/** The code with its comments and string literals taken out, by JavaScript's own rules (line ends: \n \r U+2028 U+2029). */
function jsCode(code: string): string {
  let out = '';
  for (let i = 0; i < code.length; ) {
    const [c, d] = [code[i]!, code[i + 1]];
    if (c === '/' && d === '/') {
      while (i < code.length && !/[\n\r\u2028\u2029]/.test(code[i]!)) i++;
    } else if (c === '/' && d === '*') {
      const e = code.indexOf('*/', i + 2);
      i = e < 0 ? code.length : e + 2;
      out += ' ';
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      i = j + 1;
      out += '""';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const PYTHON = spawnSync('python3', ['-c', 'import sys'], { encoding: 'utf8' }).status === 0 ? 'python3' : undefined;
const NUMPY = PYTHON && spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** Python's own tokenizer (which honours a coding declaration): the tokens holding `mark` that are not comments or strings. */
const PY_TOKENS = `
import sys, tokenize
bad = []
with open(sys.argv[1], 'rb') as f:
    for tok in tokenize.tokenize(f.readline):
        if sys.argv[2] in tok.string and tok.type not in (tokenize.COMMENT, tokenize.STRING):
            bad.append(tok.string)
print(repr(bad))
`;

function pythonOutsideComments(code: string, mark: string): string {
  const f = join(mkdtempSync(join(tmp, 'py-')), 'm.py');
  writeFileSync(f, code);
  const c = spawnSync(PYTHON!, ['-m', 'py_compile', f], { encoding: 'utf8' });
  expect(c.status, c.stderr).toBe(0);
  const t = spawnSync(PYTHON!, ['-c', PY_TOKENS, f, mark], { encoding: 'utf8' });
  expect(t.status, t.stderr).toBe(0);
  return t.stdout.trim();
}

let modules = 0;
async function importJs(code: string): Promise<Record<string, (...a: unknown[]) => Record<string, unknown>>> {
  const f = join(tmp, `m${modules++}.mjs`);
  writeFileSync(f, code);
  const check = spawnSync(process.execPath, ['--check', f], { encoding: 'utf8' });
  expect(check.status, check.stderr).toBe(0);
  return (await import(pathToFileURL(f).href)) as Record<string, (...a: unknown[]) => Record<string, unknown>>;
}

describe('generated code: a file’s name and its formulas stay in comments', () => {
  // the spec's tex name reaches the forward pass's comments through printText
  const text = 'input x[n]\nparam w\ntex w "\\text{\\u000aPWNEDtex = 1}"\ny[i] = w * x[i]\noutput y\n';
  const names = [
    'm\nPWNED_newline = 1 #',
    'm\rPWNED_cr = 1 #',
    'm\u2028PWNED_ls = 1',
    'm\u2029PWNED_ps = 1',
    'm\u0085PWNED_nel = 1',
    'm\u000bPWNED_vt = 1\u000c',
    'm */ PWNED_star = 1; /*',
    'm """ ; PWNED_triple = 1 ; """',
    "m ''' PWNED_single ''' \\",
    'm # PWNED_hash \\',
    // Python reads a coding declaration on line 1 or 2: raw_unicode_escape would turn the
    // \u000a of the tex name's comment (below) into a line break, and PWNEDtex into code
    'm -*- coding: raw_unicode_escape -*- PWNED_coding',
  ];
  const targets: TargetName[] = ['js', 'ts', 'numpy', 'torch'];

  test.each(names.map((n) => [JSON.stringify(n), n]))('file named %s', async (_shown, name) => {
    const r = run(`${name}.layer`, text, { present: false });
    for (const target of targets) {
      const code = compile(r.derivation, target);
      if (target === 'js' || target === 'ts') {
        expect(jsCode(code), target).not.toContain('PWNED');
      } else if (PYTHON) {
        expect(pythonOutsideComments(code, 'PWNED'), target).toBe('[]');
        expect(code.split('\n')[0]).toBe('# -*- coding: utf-8 -*-');
      }
    }
    const m = await importJs(compile(r.derivation, 'js'));
    const y = m['forward']!({ x: Float64Array.of(1, 2), w: 3 })['y'] as Float64Array;
    expect([...y]).toEqual([3, 6]);
  });

  test('every line break of either language is out of comments (the writer, not only these names)', () => {
    const r = run('m\u2028\u2029\n\r\u0085.layer', text, { present: false });
    for (const target of targets) {
      for (const line of compile(r.derivation, target).split('\n')) expect(line).not.toMatch(/[\r\u2028\u2029\u0085\u0000-\u0008\u000b-\u001f]/);
    }
  });

  test('names that are words of JavaScript or Python, or the module’s own helpers, compile and compute', async () => {
    // a size named grad_y once shadowed torch's Layer.backward(ctx, grad_y) argument
    const spec = [
      'input x[grad_y], np, math, Math, eval, arguments, range, len, None, print, int, str, type, declare',
      'param ctx, self, lambda, await, this, new, Float64Array, sizes_of, Layer, grads, upstream',
      'y[i] = x[i] * ctx + np * math + Math * eval + arguments * range + len * None + print * self + lambda * await + this * new + Float64Array * sizes_of + Layer * grads + upstream * int + str + type * declare',
      'output y',
      '',
    ].join('\n');
    const r = run('words.layer', spec, { present: false });
    const scalars = ['np', 'math', 'Math', 'eval', 'arguments', 'range', 'len', 'None', 'print', 'int', 'str', 'type', 'declare', 'ctx', 'self', 'lambda', 'await', 'this', 'new', 'Float64Array', 'sizes_of', 'Layer', 'grads', 'upstream'];
    const inputs: Record<string, unknown> = { x: Float64Array.of(1, 2, 3) };
    scalars.forEach((s, k) => (inputs[s] = k + 1));
    const m = await importJs(compile(r.derivation, 'js'));
    const fw = m['forward']!(inputs);
    const v = (s: string): number => inputs[s] as number;
    const rest = v('np') * v('math') + v('Math') * v('eval') + v('arguments') * v('range') + v('len') * v('None') + v('print') * v('self') + v('lambda') * v('await') + v('this') * v('new') + v('Float64Array') * v('sizes_of') + v('Layer') * v('grads') + v('upstream') * v('int') + v('str') + v('type') * v('declare');
    expect([...(fw['y'] as Float64Array)]).toEqual([1, 2, 3].map((x) => x * v('ctx') + rest));
    const g = m['backward']!(inputs, { y: Float64Array.of(1, 1, 1) });
    expect(g['ctx']).toBe(6);
    expect(g['np']).toBe(3 * v('math'));
    const torch = compile(r.derivation, 'torch');
    const arg = /def backward\(ctx, (\w+)\):/.exec(torch)![1]!;
    const body = torch.slice(torch.indexOf('def backward(ctx,'));
    expect(body).not.toMatch(new RegExp(`^\\s+${arg} = `, 'm')); // the upstream gradient is never overwritten
    expect(body).toMatch(new RegExp(`"y": ${arg}\\.detach\\(\\)`));
    if (PYTHON) for (const t of ['numpy', 'torch'] as const) expect(pythonOutsideComments(compile(r.derivation, t), 'PWNED')).toBe('[]');
    // TypeScript's own words (type, declare, …) are only contextual: the module type-checks
    const ts = join(mkdtempSync(join(tmp, 'words-ts-')), 'words.ts');
    writeFileSync(ts, compile(r.derivation, 'ts'));
    const tsc = spawnSync(join(process.cwd(), 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--ignoreConfig', '--target', 'es2022', '--module', 'nodenext', ts], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    if (NUMPY) {
      const f = join(mkdtempSync(join(tmp, 'words-')), 'words.py');
      writeFileSync(f, compile(r.derivation, 'numpy'));
      const script = `import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location('m', sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\nimport numpy as np\ninputs = json.loads(sys.argv[2]); inputs['x'] = np.array(inputs['x'])\nfw = m.forward(inputs)\ng = m.backward(inputs, {'y': np.ones(3)})\nprint(json.dumps({'y': list(fw['y']), 'ctx': float(g['ctx']), 'np': float(g['np'])}))`;
      const p = spawnSync(PYTHON!, ['-c', script, f, JSON.stringify({ ...inputs, x: [1, 2, 3] })], { encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toEqual({ y: [...(fw['y'] as Float64Array)], ctx: 6, np: 3 * v('math') });
    }
  });

  test('gradproof train runs the JavaScript it generates: a path that hides code in the file’s name runs none', () => {
    // a folder named `a⏎globalThis.… = 1;` and the path written with `//` before the file:
    // before the fix, line 2 of the module was `globalThis.__gradproofPwned = 1;//linreg.layer: …`
    const g = globalThis as { __gradproofPwned?: number };
    delete g.__gradproofPwned;
    const folder = join(tmp, 'a\nglobalThis.__gradproofPwned = 1;');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'linreg.layer'), readFileSync('derivations/train/linreg.layer', 'utf8'));
    const r = cli('train', `${folder}//linreg.layer`, '--teacher', 'y=t', '--size', 'd=2', '--steps', '5');
    expect(g.__gradproofPwned).toBeUndefined();
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/final loss/);
  });
  // (that nerdamer sees generated names only is test/nerdamer.test.ts's '(f) only generated names reach nerdamer')
});

// ── the command line's files ──────────────────────────────────────────────────────────

const SMALL = 'input x[2]\ny[i] = x[i] * x[i]\n';

describe('html DIR -o folder: pages inside the folder, one per file, none overwritten', () => {
  const root = mkdtempSync(join(tmp, 'cli-'));
  const dir = join(root, 'in');
  const out = join(root, 'out');
  const names = ['..layer', '...layer', '.layer', 'index.layer', 'a-b.layer', 'a/b.layer', 'Case.layer', 'case.layer', 'javascript:alert(1).layer', '<img src=x onerror=alert(1)>.layer', 'x\ny.layer', '..%2f..%2fetc.layer', '\u202egnp.layer'];
  for (const n of names) {
    mkdirSync(dirname(join(dir, n)), { recursive: true });
    writeFileSync(join(dir, n), SMALL);
  }

  test('every page is a new regular file directly in the folder; the index links to each, and only there', () => {
    const before = readdirSync(root).sort();
    const r = cli('html', dir, '-o', out);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(root).sort()).toEqual(before.includes('out') ? before : [...before, 'out'].sort());
    const pages = readdirSync(out);
    expect(pages).toContain('index.html');
    expect(pages.length).toBe(names.length + 1); // one page per file: no two files share a page
    for (const p of pages) expect(lstatSync(join(out, p)).isFile()).toBe(true);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(htmlProblems(index)).toEqual([]);
    const hrefs = [...index.matchAll(/href="([^"]*)"/g)].map((m) => decodeURI(decodeEntities(m[1]!)));
    expect(new Set(hrefs).size).toBe(names.length);
    for (const h of hrefs) {
      expect(h).toMatch(/^[\p{L}\p{N}_-]+\.html$/u);
      expect(pages).toContain(h);
      expect(h).not.toBe('index.html');
    }
    // the stderr list of written files: no raw control character (the x⏎y.layer and U+202E names)
    expect(r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  test('a symlink planted in the folder is replaced, its target untouched', () => {
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const planted = mkdtempSync(join(root, 'planted-'));
    const one = join(dir, 'a-b.layer');
    const page = `${one.replace(/\.layer$/, '').replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+/, '')}.html`;
    symlinkSync(victim, join(planted, page));
    symlinkSync(victim, join(planted, 'index.html'));
    const r = cli('html', one, join(dir, 'Case.layer'), '-o', planted);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(planted, page)).isFile()).toBe(true);
    expect(lstatSync(join(planted, 'index.html')).isFile()).toBe(true);
  });

  test('a symlink loop in DIR is read once, not followed until the path is too long', () => {
    const loopy = mkdtempSync(join(root, 'loop-'));
    writeFileSync(join(loopy, 'a.layer'), SMALL);
    symlinkSync(loopy, join(loopy, 'again'));
    const r = cli('check', loopy);
    expect(r.code, r.err).toBe(0);
    expect(r.out.match(/a\.layer/g)).toHaveLength(1);
  });
});

// ── the terminal ──────────────────────────────────────────────────────────────────────

describe('the terminal: control characters from files are shown, not obeyed', () => {
  const ESC = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
  const dir = mkdtempSync(join(tmp, 'tty-'));
  const name = 'x\u001b]0;owned\u0007\u001b[2J';
  const claims = join(dir, `${name}.layer`);
  writeFileSync(claims, `${SMALL}claim latex: \u001b[8m y_1 = x_1 \u001b[0m\nclaim y[1] = x[1] * x[1] # \u001b[2J\n`);
  const bad = join(dir, `${name}-tex.layer`);
  writeFileSync(bad, `${SMALL}tex x "\\text{\u001b[31m}"\n`);

  test('verify, check, derive, summary: stdout and stderr, with the file’s name shown', () => {
    for (const command of ['verify', 'check', 'derive', 'summary']) {
      for (const f of [claims, bad]) {
        const r = cli(command, f);
        expect(r.out + r.err, `${command} ${f}`).not.toMatch(ESC);
        if (command !== 'summary' || f === bad) expect(r.out + r.err, `${command} ${f}`).toContain('x?]0;owned??[2J');
      }
    }
    expect(cli('verify', claims).out).toContain('claim latex: ?[8m y_1 = x_1 ?[0m');
  });

  test('documents, code and JSON on stdout: no raw control or bidirectional character; JSON keeps its values', () => {
    const f = join(dir, 'bidi\u202e\u0085.layer');
    writeFileSync(f, `# \u001b[2J\u202e\n${SMALL}claim latex: y_1 = x_1 \u202e\u0085 \u2028 x_1\n`);
    for (const argv of [['html', f], ['md', f], ['tex', f], ['compile', f], ['compile', f, '--target', 'numpy'], ['derive', '--json', f]]) {
      const r = cli(...argv);
      expect(r.out + r.err, argv.join(' ')).not.toMatch(ESC);
      expect(r.out + r.err, argv.join(' ')).not.toMatch(/[\u2028\u2029\u2066-\u2069]/);
    }
    const json = cli('verify', '--json', f);
    expect(json.out).not.toMatch(ESC);
    const v = JSON.parse(json.out) as { file: string; claims: { text: string }[] };
    expect(v.file).toBe(f);
    expect(v.claims[0]!.text).toBe('claim latex: y_1 = x_1 \u202e\u0085 \u2028 x_1');
  });

  test('train: a CSV column name in an error, and the file names in the report', () => {
    const csv = join(dir, 'd\u001b[2J.csv');
    writeFileSync(csv, 'x[1],x[\u001b[31m9],t\n1,2,3\n');
    const r = cli('train', 'derivations/train/linreg.layer', '--data', csv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/column x\[\?\[31m9\] is not an element of x/);
    expect(r.err).not.toMatch(ESC);
    const good = join(dir, 'e\u001b[2J.csv');
    writeFileSync(good, readFileSync('derivations/train/linreg.csv', 'utf8'));
    const t = cli('train', 'derivations/train/linreg.layer', '--data', good, '--steps', '5');
    expect(t.code, t.err).toBe(0);
    expect(t.out).toContain('e?[2J.csv, 8 examples');
    expect(t.out + t.err).not.toMatch(ESC);
  });
});

// ── the compare page (gradproof train --compare) ──────────────────────────────────────

describe('train --compare: the file’s and the data’s names in the page and its SVG', () => {
  test('both escaped; the SVG is ours', () => {
    const dir = mkdtempSync(join(tmp, 'cmp-'));
    const spec = join(dir, '<svg onload=alert(1)> "\'&.layer');
    writeFileSync(spec, readFileSync('derivations/train/linreg.layer', 'utf8'));
    const csv = join(dir, '<img src=x onerror=alert(2)>.csv');
    writeFileSync(csv, readFileSync('derivations/train/linreg.csv', 'utf8'));
    const r = cli('train', spec, '--data', csv, '--steps', '20', '--compare', '--optimizers', 'sgd', '--lrs', '0.01,0.1');
    expect(r.code, r.err).toBe(0);
    expect(htmlProblems(r.out)).toEqual([]);
    expect(r.out).not.toMatch(LIVE);
    expect(r.out).toContain('&lt;svg onload=alert(1)&gt; &quot;&#39;&amp;.layer');
    expect(r.out).toContain('&lt;img src=x onerror=alert(2)&gt;.csv');
  });
});

// ── no code from text ─────────────────────────────────────────────────────────────────

describe('no eval, new Function or parsed expression on user text anywhere in the source tree', () => {
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((e) => {
      const p = join(d, e);
      return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(p) && !/\.d\.ts$/.test(p) ? [p] : [];
    });
  const sources = [...files('src'), ...files('web')].map((p) => ({ p, text: readFileSync(p, 'utf8').replace(/^\s*\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '') }));

  test('none of eval, new Function, Function(…), string timers, node:vm, dynamic import', () => {
    const hits = sources.flatMap(({ p, text }) =>
      [/\beval\s*\(/, /\bnew\s+Function\b/, /(?<![.\w])Function\s*\(/, /\bset(Timeout|Interval)\s*\(\s*['"`]/, /['"](node:)?vm['"]/, /(?<!typeof\s)\bimport\s*\(/, /\.constructor\s*\(\s*['"`]/]
        .flatMap((re) => (re.test(text) ? [`${p}: ${re}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  test('mathjs parses text in one place only: the benchmark’s unrolledDerivative, on generated arithmetic', () => {
    const hits = sources.filter(({ text }) => /\b(math|mathjsBundle|unrolledMath)\s*\.\s*(parse|evaluate|compile)\s*\(|\bmath\.import\b/.test(text)).map(({ p }) => p);
    expect(hits).toEqual(['src/numeric/mathjs.ts']);
    const text = readFileSync('src/numeric/mathjs.ts', 'utf8');
    const fn = text.indexOf('export async function unrolledDerivative(');
    const end = text.indexOf('\n}\n', fn);
    const calls = [...text.matchAll(/\.\s*(parse|evaluate|compile)\s*\(/g)].map((m) => m.index);
    expect(calls.length).toBeGreaterThan(0);
    for (const at of calls) expect(at > fn && at < end, `mathjs text parsing at offset ${at}`).toBe(true);
    // and the function refuses anything but generated arithmetic before it parses
    expect(text.slice(fn, end)).toMatch(/if \(!UNROLLED_TEXT\.test\(expr\)[^\n]*throw new Error/);
  });

  test('code is loaded in one place: train’s compiled module, generated from sanitised names and comments', () => {
    const loads = sources.filter(({ text }) => /createRequire\([^)]*\)\s*\(/.test(text)).map(({ p }) => p);
    expect(loads).toEqual(['src/train/model.ts']);
  });
});

describe('include reads .layer files only (security review: include "/etc/passwd" printed the file)', () => {
  it('a system file, a device and a non-.layer file are refused at the include line, their text never shown', () => {
    for (const path of ['/etc/passwd', '/dev/zero', 'README.md']) {
      let err: unknown;
      try {
        run('derivations/x.layer', `include "${path}"\ninput x\ny = x\n`, { present: false });
      } catch (e) {
        err = e;
      }
      expect(err, path).toBeInstanceOf(SpecError);
      expect((err as SpecError).span?.line, path).toBe(1);
      expect((err as SpecError).message, path).not.toMatch(/root:|\u0000/);
    }
  });
});
