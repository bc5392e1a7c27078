// Benchmark: verifying all claims of each bundled file (parse, derive, sample,
// 64-digit finite differences, verdicts and diagnoses), after start-up.
// Run: npm run bench   (results: bench/RESULTS.md)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../src/pipeline.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.layer') ? [join(dir, e.name)] : []));
}

const RUNS = 3;
for (const file of files('derivations').sort()) {
  const text = readFileSync(file, 'utf8');
  run(file, text, { verify: true, present: false }); // warm-up
  const ms: number[] = [];
  let claims = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    claims = run(file, text, { verify: true, present: false }).claims?.length ?? 0;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  if (claims) console.log(`${file.padEnd(46)} ${String(claims).padStart(3)} claims   median ${ms[1]!.toFixed(0).padStart(5)} ms`);
}
