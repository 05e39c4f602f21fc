/**
 * Runs one target's cases in a worker thread. Case i's input is generated
 * from (seed, i) alone, so the parent can ask for it again after a hang or
 * an out-of-memory death. Messages: { t: 'generate', i } before making case
 * i's input, { t: 'start', i } before feeding it,
 * { t: 'done', i, verdict, ms, heapMb } after, { t: 'input', file } when asked
 * to save one.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { runCase, type FuzzInput, type FuzzTarget } from './target.js';
import { TARGETS } from './targets/index.js';

export interface WorkerJob {
  target: string;
  seed: number;
  from: number;
  to: number;
  /** Only write case `from`'s input to this file (no run). */
  saveTo?: string;
}

export function inputAt(target: FuzzTarget, arbitrary: fc.Arbitrary<FuzzInput>, seed: number, i: number): FuzzInput {
  return fc.sample(arbitrary, { seed: (seed ^ Math.imul(i + 1, 0x9e3779b1)) | 0, numRuns: 1 })[0]!;
}

export function writeInput(file: string, input: FuzzInput): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (Buffer.isBuffer(input)) fs.writeFileSync(`${file}.bin`, input);
  else fs.writeFileSync(`${file}.json`, JSON.stringify(input, null, 1));
}

const job = workerData as WorkerJob;
const port = parentPort!;
const target = await TARGETS[job.target]!();
const corpus = await target.corpus();
const arbitrary = target.arbitrary(corpus);
port.postMessage({ t: 'ready', timeoutMs: target.timeoutMs ?? 10_000, corpus: corpus.length });
if (job.saveTo) {
  writeInput(job.saveTo, inputAt(target, arbitrary, job.seed, job.from));
  port.postMessage({ t: 'saved' });
} else {
  for (let i = job.from; i < job.to; i++) {
    // Generating a case (up to ~100 MB of JSON) is the bench's time, not the parser's: its own, longer bound.
    port.postMessage({ t: 'generate', i });
    let input: FuzzInput;
    try {
      input = inputAt(target, arbitrary, job.seed, i);
    } catch (error) {
      port.postMessage({
        t: 'done',
        i,
        verdict: { kind: 'failure', error: `génération du cas impossible (erreur du banc) : ${String(error)}` },
        ms: 0,
        heapMb: 0,
      });
      continue;
    }
    port.postMessage({ t: 'start', i });
    const started = performance.now();
    const verdict = await runCase(target, input);
    const ms = performance.now() - started;
    if (verdict.kind === 'failure')
      writeInput(path.join(process.env.CABINET_FUZZ_OUT ?? 'test-results/fuzz', job.target, `seed${job.seed}-case${i}`), input);
    port.postMessage({ t: 'done', i, verdict, ms, heapMb: v8.getHeapStatistics().used_heap_size / 1048576 });
  }
  await target.close?.();
  port.postMessage({ t: 'finished' });
}
