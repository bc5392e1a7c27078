// The HTML report in a real browser (Debian's chromium, driven by playwright-core):
// every formula rendered by KaTeX, none of them an error, offline from file://, and
// screenshots of the batch-norm and conv + max-pool proofs to look at.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// flags from the machine's notes: no sandbox as root, and no background networking
// (this machine's network is closed)
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function layerCount(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? layerCount(join(dir, e.name)) : e.name.endsWith('.layer') ? 1 : 0), 0);
}

let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'gradproof-html-'));
const shots = join(process.env.GRADPROOF_SHOTS ?? dir, 'screenshots');

beforeAll(async () => {
  expect(main(['html', 'derivations', '-o', dir], { out: () => {}, err: () => {} })).toBe(0);
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('the HTML report in Chromium', () => {
  const pages = ['index', 'derivations-seed-batchnorm', 'derivations-seed-conv-maxpool', 'derivations-seed-conv-avgpool', 'derivations-seed-conv1d', 'derivations-language-activations'];
  for (const name of pages) {
    it(`renders every formula of ${name}.html without a KaTeX error`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(dir, `${name}.html`)}`);
      expect(await page.locator('.katex').count()).toBeGreaterThan(5);
      expect(await page.locator('.katex-error').count()).toBe(0);
      // self-contained: nothing is fetched but the page itself (fonts are inlined)
      expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
      // KaTeX's fonts are in use: a formula is not drawn in the page's serif
      const family = await page.locator('.katex .mord').first().evaluate((e) => getComputedStyle(e).fontFamily);
      expect(family).toMatch(/KaTeX/);
      if (name !== 'index') await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
      await page.close();
    });
  }

  it('links every derivation from the index page', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${join(dir, 'index.html')}`);
    const hrefs = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toContain('derivations-seed-batchnorm.html');
    // one link per bundled .layer file
    expect(hrefs.length).toBe(layerCount('derivations'));
    await page.close();
  });
});
