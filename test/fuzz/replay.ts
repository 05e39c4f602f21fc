/**
 * `npx tsx test/fuzz/replay.ts <target> <reproducer.{bin,json}>`: feeds one
 * saved case to its target, alone, and prints the verdict and the time it
 * took (exit 1 on a failure).
 */
import fs from 'node:fs';
import type { FuzzInput } from './target.js';
import { runCase } from './target.js';
import { TARGETS } from './targets/index.js';

const [name, file] = process.argv.slice(2);
const load = name ? TARGETS[name] : undefined;
if (!load || !file || !fs.existsSync(file)) {
  console.error(`Usage : npx tsx test/fuzz/replay.ts <${Object.keys(TARGETS).join('|')}> <fichier .bin ou .json>`);
  process.exit(2);
}
const target = await load();
const input = (file.endsWith('.bin') ? fs.readFileSync(file) : JSON.parse(fs.readFileSync(file, 'utf8'))) as FuzzInput;
const started = performance.now();
const verdict = await runCase(target, input);
console.log(
  `${name} : ${verdict.kind}${verdict.kind === 'refusal' ? ` (${verdict.code})` : ''} en ${(performance.now() - started).toFixed(0)} ms${verdict.kind === 'failure' ? `\n${verdict.error}` : ''}`,
);
await target.close?.();
process.exit(verdict.kind === 'failure' ? 1 : 0);
