// The playground (web/) in a real browser (Debian's chromium, driven by playwright-core),
// used as a student would use it: with the mouse and the keyboard, never by calling the
// page's own functions. The page is built and served here through Vite's JS API, and
// screenshots of the proofs, a failing claim and a syntax error are written to look at.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// as in browser.test.ts: no sandbox as root, and no background networking (the network is closed)
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1400, height: 1000 };
const BATCHNORM = 'derivations/seed/batchnorm.layer';
const batchnorm = readFileSync(BATCHNORM, 'utf8');
const dLdmu = String.raw`\frac{\partial L}{\partial \mu}`;

let browser: Browser;
let server: PreviewServer;
let url: string;
const shots = join(process.env.GRADPROOF_SHOTS ?? mkdtempSync(join(tmpdir(), 'gradproof-playground-')), 'screenshots');

beforeAll(async () => {
  await build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
  server = await preview({ configFile: 'web/vite.config.ts', logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
  const local = server.resolvedUrls?.local[0];
  if (!local) throw new Error('the preview server has no URL');
  url = local;
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page in a fresh context (its own local storage), with everything that goes wrong in it recorded. */
async function fresh(options: { clipboard?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true, permissions: options.clipboard ? ['clipboard-read', 'clipboard-write'] : [] });
  const page = await context.newPage();
  const problems = watch(page);
  return { context, page, problems };
}

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

/** Open the page (at a hash, for a shared link) and wait for the first proofs. */
async function open(page: Page, hash = ''): Promise<void> {
  await page.goto(url + hash);
  await page.locator('#proofs h2').first().waitFor({ timeout: 60_000 });
}

/** The proofs' header names this file (the proofs of the text now in the editor are shown). */
async function proofsOf(page: Page, file: string): Promise<void> {
  await expect.poll(() => page.locator('#proofs h1').first().textContent(), { timeout: 60_000 }).toBe(file);
}

/** The claims are verified and every form checked (the slow worker has answered). */
async function verified(page: Page): Promise<void> {
  await expect.poll(() => page.locator('#claims').getAttribute('aria-busy'), { timeout: 60_000 }).toBe('false');
}

/** The editor's text, line by line as shown. */
const editorText = (page: Page): Promise<string> => page.locator('.cm-content .cm-line').evaluateAll((lines) => lines.map((l) => l.textContent ?? '').join('\n'));

/** The TeX source (the MathML annotation) of every formula in the proofs panel. */
const formulas = (page: Page): Promise<string[]> => page.locator('#proofs .katex annotation[encoding="application/x-tex"]').allTextContents();

/** Press keys until one brings a download, and read it. */
async function downloaded(page: Page, act: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), act()])) as [Download, void];
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** What has the keyboard focus: an element's id, a download button's format, or `editor`. */
const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (!e || e === document.body) return 'body';
    if (e.closest('.cm-editor')) return 'editor';
    return e.id || (e.dataset['format'] ? `download-${e.dataset['format']}` : e.tagName.toLowerCase());
  });

const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

describe('the playground in Chromium', () => {
  it('(a) shows the batch-norm proofs, dL/dμ among them, when picked from the examples', async () => {
    const { context, page, problems } = await fresh();
    await open(page);
    // another example first, so that picking batch norm really loads it
    await page.selectOption('#example', { label: 'seed/conv1d.layer' });
    await proofsOf(page, 'derivations/seed/conv1d.layer');
    expect(await formulas(page)).not.toContain(dLdmu);
    await page.selectOption('#example', { label: 'seed/batchnorm.layer' });
    await proofsOf(page, BATCHNORM);
    expect(await editorText(page)).toBe(batchnorm);
    await expect.poll(() => formulas(page), { timeout: 30_000 }).toContain(dLdmu);
    await verified(page);
    // the proofs once more after the verdicts (the verdicts' worker lays them out again)
    expect(await formulas(page)).toContain(dLdmu);
    expect(await page.locator('#proofs .katex').count()).toBeGreaterThan(50);
    expect(await page.locator('.katex-error').count()).toBe(0);
    expect(await page.locator('#proofs h2 annotation[encoding="application/x-tex"]').allTextContents()).toContain(String.raw`\displaystyle ${dLdmu}`);
    // KaTeX's fonts are in use (the stylesheet and fonts were served)
    expect(await page.locator('#proofs .katex .mord').first().evaluate((e) => getComputedStyle(e).fontFamily)).toMatch(/KaTeX/);
    await expect.poll(() => page.locator('#checked').textContent()).toMatch(/every form agrees/);
    await page.screenshot({ path: join(shots, 'playground-a-batchnorm.png'), fullPage: false });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('(b) marks a wrong claim typed at the end as failing, with a counterexample, in the list and in the editor', async () => {
    const { context, page, problems } = await fresh();
    await open(page);
    await proofsOf(page, BATCHNORM);
    const claim = 'claim dL/dbeta = 2 * sum(i, dL/dy[i])';
    const line = batchnorm.split('\n').length + 1; // the text ends with a newline: the claim goes below the empty last line
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(`\n${claim}`);
    expect((await editorText(page)).split('\n')[line - 1]).toBe(claim);
    const item = page.locator(`#verdicts li[data-verdict="fails"][data-line="${line}"]`);
    await item.waitFor({ timeout: 60_000 });
    expect(await item.locator('.verdict').textContent()).toBe(`line ${line}: fails`);
    expect(await item.locator('code').textContent()).toContain(claim);
    const details = (await item.locator('.details').textContent()) ?? '';
    expect(details).toMatch(/Counterexample at n=\d+: left side -?[\d.]+, right side -?[\d.]+/);
    expect(details).toMatch(/extra factor 2/);
    expect(details).toMatch(/Correct/);
    // the seed's two wrong claims fail as before, the right ones hold
    expect(await page.locator('#verdicts li[data-verdict="fails"]').count()).toBe(3);
    expect(await page.locator('#verdicts li[data-verdict="holds"]').count()).toBe(7);
    // a warning on that line in the editor, and none on a line whose claim holds
    const warned = await page.locator('.cm-lintRange-warning').evaluateAll((ms) => ms.map((m) => m.closest('.cm-line')?.textContent ?? ''));
    expect(warned).toContain(claim);
    expect(warned.filter((t) => t.startsWith('claim dL/dvar'))).toEqual([]);
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'playground-b-wrong-claim.png'), fullPage: false });
    // the verdict takes you to its line: the editor has the focus and the claim selected
    await page.locator('.cm-content').evaluate((e) => (e as HTMLElement).blur());
    const seedClaim = page.locator('#verdicts li[data-verdict="fails"]').first();
    const seedLine = Number(await seedClaim.getAttribute('data-line'));
    await seedClaim.locator('button.verdict').click();
    expect(await page.evaluate(() => document.activeElement?.classList.contains('cm-content'))).toBe(true);
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(batchnorm.split('\n')[seedLine - 1]);
    // and by keyboard: Enter on the new claim's verdict selects the typed line
    await item.locator('button.verdict').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(claim);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('(c) reports a syntax error at its line and column, in the problem box and the editor, and clears it when fixed', async () => {
    const { context, page, problems } = await fresh();
    await open(page);
    await proofsOf(page, BATCHNORM);
    const lines = batchnorm.split('\n');
    const n = lines.findIndex((l) => /^mu\s+= sum/.test(l)) + 1; // mu's definition (line 7)
    const original = lines[n - 1]!;
    // click on that line, go to its end, type an operator where an expression belongs
    await page.locator('.cm-line', { hasText: original }).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' +* 2');
    const broken = `${original} +* 2`;
    const col = original.length + 3; // the `*`
    const box = page.locator('#problem');
    await box.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await box.textContent()).toContain(`${BATCHNORM}:${n}:${col}: unexpected "*"`);
    const marked = page.locator('.cm-lintRange-error');
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.evaluate((m) => m.closest('.cm-line')?.textContent)).toBe(broken);
    expect(await marked.textContent()).toBe('*');
    // the status says the proofs shown are not this text's
    expect(await page.locator('#status').textContent()).toContain(`not derived: line ${n} has an error`);
    expect(await page.locator('#proofs').getAttribute('data-stale')).toBe('true');
    await page.screenshot({ path: join(shots, 'playground-c-syntax-error.png'), fullPage: false });
    // fixed: the error goes, the proofs are this text's again
    for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace');
    await box.waitFor({ state: 'hidden', timeout: 30_000 });
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Proofs up to date \(derived in/);
    expect(await page.locator('#proofs').getAttribute('data-stale')).toBeNull();
    await verified(page);
    expect(await page.locator('#verdicts li[data-verdict]').count()).toBe(9);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('(d) opens a shared link, copies a link that reproduces an edit, and keeps the edit over a reload', async () => {
    const spec = 'input a\nparam w\ny = w * a\noutput y\n';
    const shared = await fresh({ clipboard: true });
    const page = shared.page;
    await open(page, `#file=shared.layer&spec=${b64url(spec)}`);
    await proofsOf(page, 'shared.layer');
    expect(await editorText(page)).toBe(spec);
    expect(await formulas(page)).toContain(String.raw`\frac{\partial L}{\partial w}`);
    expect(await page.locator('#example').inputValue()).toBe(''); // "(your own text)"
    // an edit with letters beyond ASCII, then the share button
    const comment = '# μ, σ² and ∂L/∂w';
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(comment);
    const edited = `${spec}${comment}`;
    await expect.poll(() => editorText(page)).toBe(edited);
    await page.getByRole('button', { name: 'Copy share link' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/share link/);
    const status = (await page.locator('#status').textContent()) ?? '';
    const link = status.startsWith('share link: ') ? status.slice('share link: '.length) : await page.evaluate(() => navigator.clipboard.readText());
    expect(link.startsWith(url)).toBe(true);
    // the link in a browser that has never seen the text
    const other = await fresh();
    await open(other.page, link.slice(link.indexOf('#')));
    await proofsOf(other.page, 'shared.layer');
    expect(await editorText(other.page)).toBe(edited);
    await other.context.close();
    // a reload keeps the edit, and so does the bare address (local storage) in the same browser
    expect(shared.problems).toEqual([]);
    await page.reload();
    await proofsOf(page, 'shared.layer');
    expect(await editorText(page)).toBe(edited);
    const again = await shared.context.newPage();
    const againProblems = watch(again);
    await open(again);
    expect(new URL(again.url()).hash).toContain('spec='); // the address now carries the text
    expect(await editorText(again)).toBe(edited);
    // a reload aborts what was loading (the claims' worker, if it was starting): no fault of the page
    expect([...shared.problems, ...againProblems].filter((p) => !/^request failed: .*\/worker-[\w-]+\.js net::ERR_ABORTED/.test(p))).toEqual([]);
    await shared.context.close();
  });

  it('(e) works from the keyboard alone: Tab through the tools into the editor and out again, Enter on a download', async () => {
    const { context, page, problems } = await fresh();
    await open(page);
    await proofsOf(page, BATCHNORM);
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    expect(order).toEqual(['example', 'share', 'download-tex', 'download-md', 'download-html', 'target', 'download-code', 'editor']);
    // the focus is visible on a button and on the editor
    expect(await page.locator('#editor').evaluate((e) => getComputedStyle(e).outlineStyle)).toBe('solid');
    // typing in the editor (the cursor starts at the top)
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# typed from the keyboard');
    await expect.poll(() => editorText(page)).toBe(`${batchnorm}\n# typed from the keyboard`);
    // Tab leaves the editor (it does not insert a tab), Shift+Tab comes back and goes on back to the tools
    await page.keyboard.press('Tab');
    expect(await focused(page)).not.toBe('editor');
    expect(await editorText(page)).not.toContain('\t');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('editor');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('download-md');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    const md = await downloaded(page, () => page.keyboard.press('Enter'));
    expect(md.name).toBe('batchnorm.md');
    expect(md.text.startsWith('# ')).toBe(true);
    expect(md.text).toContain(String.raw`\frac{\partial L}`);
    await expect.poll(() => page.locator('#status').textContent()).toBe('downloaded batchnorm.md');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('(f) downloads the .tex, a self-contained HTML report and the compiled JavaScript', async () => {
    const { context, page, problems } = await fresh();
    await open(page);
    await proofsOf(page, BATCHNORM);
    const tex = await downloaded(page, () => page.getByRole('button', { name: '.tex' }).click());
    expect(tex.name).toBe('batchnorm.tex');
    expect(tex.text).toMatch(/^\\documentclass/);
    expect(tex.text).toContain(String.raw`\end{document}`);
    const html = await downloaded(page, () => page.getByRole('button', { name: 'HTML report' }).click());
    expect(html.name).toBe('batchnorm.html');
    expect(html.text).toMatch(/^<!DOCTYPE html>/);
    expect(html.text).toContain('@font-face');
    expect(html.text).toContain('data:font/woff2');
    expect(html.text).not.toMatch(/url\(fonts\//); // no font left to fetch
    await page.selectOption('#target', 'js');
    const js = await downloaded(page, () => page.getByRole('button', { name: 'Compiled code' }).click());
    expect(js.name).toBe('batchnorm.mjs');
    expect(js.text).toContain('export function backward');
    expect(problems).toEqual([]);
    await context.close();
  });
});
