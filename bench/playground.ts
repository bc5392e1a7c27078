// Benchmark: the playground's latency from a keystroke to the updated proofs on screen,
// measured in Chromium (issue 8: ≤ 100 ms for the seed derivations). For each seed
// file: load it from the example picker, wait until its verdicts are in, then make 12
// edits at typing pace (150 ms apart) of two kinds: in a comment (the derivation is
// unchanged) and in a definition (a term `+0` typed and deleted, so every proof that
// goes through it is derived and rendered again). The page records, per keystroke, the
// time from the editor's change to the first animation frame after the new proofs are
// in the DOM (web/main.ts, window.gradproofLatencies).
// Run: npm run bench:playground   (builds web-dist/ first; results: bench/RESULTS.md)
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

interface Edit {
  readonly kind: 'comment' | 'definition';
  /** The line whose end is edited (definition), or undefined: a new comment line at the end. */
  readonly line?: number;
}

/** The first definition line of each seed file (a line with `=` that is not a claim or declaration). */
async function firstDefinition(page: Page): Promise<number> {
  const text = await page.evaluate(() => document.querySelector('.cm-content')?.textContent !== undefined ? [...document.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '') : []);
  const i = text.findIndex((l) => /^\s*[A-Za-z_][\w.]*(\[[^\]]*\])?\s*=/.test(l) && !/^\s*(claim|const|input|param|size|loss|tex)\b/.test(l));
  return i + 1;
}

async function measure(page: Page, file: string, edit: Edit): Promise<number[]> {
  await page.selectOption('#example', file);
  await page.waitForFunction((f) => document.querySelector('#proofs h1')?.textContent === f, file, { timeout: 60_000 });
  await page.waitForFunction(() => !document.querySelector('#checked')?.textContent?.includes('…'), undefined, { timeout: 120_000 });
  await page.click('.cm-content');
  if (edit.kind === 'comment') {
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# ');
  } else {
    // click the line (ArrowDown would move by wrapped rows), then End: definitions are short
    const line = await firstDefinition(page);
    await page.locator('.cm-line').nth(line - 1).click();
    await page.keyboard.press('End');
  }
  await page.waitForTimeout(300);
  await page.evaluate(() => ((window as unknown as { gradproofLatencies: number[] }).gradproofLatencies.length = 0));
  for (let k = 0; k < 12; k++) {
    const before = await page.evaluate(() => (window as unknown as { gradproofLatencies: number[] }).gradproofLatencies.length);
    if (edit.kind === 'comment') await page.keyboard.type(k % 2 ? 'y' : 'x');
    else if (k % 2) {
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
    } else await page.keyboard.type('+0');
    try {
      await page.waitForFunction((n) => (window as unknown as { gradproofLatencies: number[] }).gradproofLatencies.length > n, before, { timeout: 60_000 });
    } catch {
      // reported, not hidden: a keystroke whose proofs never came
      console.log(`  ${file}, ${edit.kind} edit ${k + 1}: no proofs within 60 s; status: ${await page.textContent('#status')}`);
    }
    await page.waitForTimeout(150);
  }
  return page.evaluate(() => (window as unknown as { gradproofLatencies: number[] }).gradproofLatencies.slice());
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await preview({ configFile: 'web/vite.config.ts', logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' } });
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('the preview server has no URL');
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto(url);
await page.waitForSelector('#proofs h2', { timeout: 60_000 });
console.log(`Chromium (playwright-core), ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| file | comment edit: median | max | definition edit: median | max |');
console.log('|---|---:|---:|---:|---:|');
for (const name of (process.env['FILES']?.split(',') ?? readdirSync('derivations/seed').filter((f) => f.endsWith('.layer')).sort())) {
  const file = `derivations/seed/${name}`;
  const c = await measure(page, file, { kind: 'comment' });
  const d = await measure(page, file, { kind: 'definition' });
  console.log(`| ${name} | ${median(c).toFixed(0)} ms | ${Math.max(...c).toFixed(0)} ms | ${median(d).toFixed(0)} ms | ${Math.max(...d).toFixed(0)} ms |`);
}
await browser.close();
await new Promise<void>((done) => server.httpServer.close(() => done()));
