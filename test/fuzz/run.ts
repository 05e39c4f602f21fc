/**
 * `npm run fuzz [-- --cases N] [--seed S] [--target a,b] [--jobs J]`: every
 * target, 10,000 cases each by default; prints the table and the failures
 * (with their reproducer), exits 1 on any failure.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzAll, HEAP_LIMIT_MB, table } from './runner.js';
import { TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    target: { type: 'string' },
    jobs: { type: 'string', default: '2' },
  },
});
const cases = Number(values.cases);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const targets = values.target ? values.target.split(',') : Object.keys(TARGETS);
const unknown = targets.filter((t) => !TARGETS[t]);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed) || unknown.length) {
  console.error(
    `Usage : npm run fuzz -- [--cases N] [--seed S] [--target ${Object.keys(TARGETS).join(',')}] [--jobs J]${unknown.length ? `\ncible inconnue : ${unknown.join(', ')}` : ''}`,
  );
  process.exit(2);
}
const outDir = path.resolve(import.meta.dirname, '../../test-results/fuzz');
console.log(
  `fuzz : ${cases} cas par cible, graine ${seed}, ${targets.length} cibles, tas limité à ${HEAP_LIMIT_MB} Mo par worker (HPRIM : pas encore de lecteur)`,
);
const started = performance.now();
const reports = await fuzzAll(targets, {
  cases,
  seed,
  outDir,
  jobs: Number(values.jobs),
  onProgress: (t, n) => n % 1000 === 0 && console.log(`  ${t} : ${n}`),
});
console.log(`\n${table(reports)}\n`);
const failures = reports.flatMap((r) => r.failures.map((f) => ({ target: r.target, ...f })));
for (const f of failures)
  console.log(
    `ÉCHEC ${f.target} cas ${f.case} (${f.kind}) → ${f.reproducer}.{bin,json}\n  ${f.error.split('\n').slice(0, 4).join('\n  ')}`,
  );
console.log(`durée totale ${((performance.now() - started) / 1000).toFixed(0)} s, graine ${seed} ; ${failures.length} échec(s)`);
process.exit(failures.length ? 1 : 0);
