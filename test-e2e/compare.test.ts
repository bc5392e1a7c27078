// The `gradproof train --compare` page in a real browser (Debian's chromium, driven by
// playwright-core): every loss and learning-rate curve drawn and visible, a diverged
// run marked, nothing fetched, and a screenshot to look at.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// the same flags as browser.test.ts: no sandbox as root, no background networking
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'gradproof-compare-'));
const shots = join(process.env.GRADPROOF_SHOTS ?? dir, 'screenshots');
const page = join(dir, 'compare.html');
// SGD: 3 runs; momentum and Adam: 3 momenta × 3 rates each; η₀ = 3 makes some diverge
const RUNS = 3 + 9 + 9;
const RATES = 3;

beforeAll(async () => {
  const argv = ['train', 'derivations/train/linreg.layer', '--teacher', 'y=t', '--size', 'd=3', '--steps', '200', '--schedule', 'warmup-cosine', '--compare',
    '--optimizers', 'sgd,momentum,adam', '--lrs', '0.01,0.3,3', '--momenta', '0.5,0.9,0.99', '-o', page];
  expect(main(argv, { out: () => {}, err: () => {} })).toBe(0);
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('the --compare page in Chromium', () => {
  it('draws every curve, visibly, from file:// with nothing fetched', async () => {
    const tab = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const requests: string[] = [];
    tab.on('request', (r) => requests.push(r.url()));
    await tab.goto(`file://${page}`);
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
    // one loss plot per optimizer, and the learning-rate plot
    expect(await tab.locator('svg.plot').count()).toBe(4);
    const curves = tab.locator('svg.plot path.curve');
    expect(await curves.count()).toBe(RUNS + RATES);
    for (const c of await curves.all()) {
      await expect.poll(() => c.isVisible()).toBe(true);
      const box = await c.boundingBox();
      // a curve spans the plot's width (200 steps): much more than a dot
      expect(box!.width).toBeGreaterThan(20);
      const stroke = await c.evaluate((e) => getComputedStyle(e).stroke);
      expect(stroke).not.toBe('none');
    }
    // the learning-rate curves rise (warm-up) and fall (cosine): their boxes have height
    for (const c of await tab.locator('svg#lr path.curve').all()) expect((await c.boundingBox())!.height).toBeGreaterThan(20);
    // a diverged run: its ✕ on the plot and its words in the legend and tables
    expect(await tab.locator('svg.plot path.cross').count()).toBeGreaterThan(0);
    expect(await tab.locator('svg.plot path.cross').first().isVisible()).toBe(true);
    expect(await tab.locator('.diverged').count()).toBeGreaterThan(0);
    expect(await tab.locator('h2', { hasText: 'Q2 (a)' }).count()).toBe(1);
    await tab.screenshot({ path: join(shots, 'train-compare.png'), fullPage: true });
    await tab.close();
  });
});
