/**
 * The quick fuzz pass inside `npm test`: every target, a few hundred cases
 * (CABINET_FUZZ_QUICK_CASES), a fixed seed (CABINET_FUZZ_SEED; printed; failures keep
 * their reproducer under test-results/fuzz/). `npm run fuzz` is the long run.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzAll, table } from './runner.js';
import { TARGETS } from './targets/index.js';

const cases = Number(process.env.CABINET_FUZZ_QUICK_CASES ?? 200);
/** The CDA self-check runs a full XSD validation per case (~80 ms): fewer cases in the quick pass. */
const QUICK_OVERRIDES: Record<string, number> = { 'cda-self-check': Math.min(cases, 100) };
// A fixed seed in `npm test` (CI must pass at any hour); CABINET_FUZZ_SEED=aleatoire for a fresh one. `npm run fuzz` draws its own.
const seedSetting = process.env.CABINET_FUZZ_SEED ?? '20261208';
const seed = seedSetting === 'aleatoire' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting);

describe('fuzz (passe rapide)', () => {
  it(`${cases} cas par lecteur : un résultat ou un refus typé en français, jamais d’exception, de blocage ni d’explosion mémoire (graine ${seed})`, async () => {
    const outDir = path.resolve(import.meta.dirname, '../../test-results/fuzz');
    // One worker per target, reused from case to case; two targets at a time (2 cores).
    const reports = await fuzzAll(Object.keys(TARGETS), { cases, casesPerTarget: QUICK_OVERRIDES, seed, jobs: 2, outDir });
    console.log(`graine ${seed}\n${table(reports)}`);
    for (const r of reports) expect(r.cases, r.target).toBe(QUICK_OVERRIDES[r.target] ?? cases);
    const failures = reports.flatMap((r) =>
      r.failures.map((f) => `${r.target} cas ${f.case} (${f.kind}) → ${f.reproducer} : ${f.error.split('\n')[0]}`),
    );
    expect(failures).toEqual([]);
  }, 300_000);
});
