/**
 * Runs fuzz targets, each in worker threads with a per-case time bound and a
 * memory bound (V8 heap via `resourceLimits`, process RSS sampled). A hang
 * or an out-of-memory death ends that worker; its case is recorded as a
 * failure (the input regenerated and saved), and a new worker goes on from
 * the next case.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CaseVerdict } from './target.js';
import type { WorkerJob } from './worker.js';

const ENTRY = path.join(import.meta.dirname, 'worker-entry.mjs');
export const HEAP_LIMIT_MB = 768;
export const RSS_LIMIT_MB = 3072;
const LOAD_TIMEOUT_MS = 180_000;
/** Making one case's input (the bench's work, not the parser's). */
const GENERATE_TIMEOUT_MS = 60_000;

export interface FuzzFailure {
  case: number;
  kind: 'exception' | 'hang' | 'memory' | 'crash';
  error: string;
  reproducer: string;
}

export interface TargetReport {
  target: string;
  cases: number;
  results: number;
  refusals: number;
  failures: FuzzFailure[];
  slowestMs: number;
  peakHeapMb: number;
  peakRssMb: number;
  totalMs: number;
}

export interface RunOptions {
  cases: number;
  seed: number;
  outDir: string;
  onProgress?: (target: string, done: number) => void;
}

type Message =
  | { t: 'ready'; timeoutMs: number }
  | { t: 'generate'; i: number }
  | { t: 'start'; i: number }
  | { t: 'done'; i: number; verdict: CaseVerdict; ms: number; heapMb: number }
  | { t: 'finished' }
  | { t: 'saved' };

function spawn(job: WorkerJob, outDir: string): Worker {
  return new Worker(ENTRY, {
    workerData: job,
    env: { ...process.env, CABINET_FUZZ_OUT: outDir },
    resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
    stdout: true,
    stderr: true,
  });
}

/** Regenerates case `i` in a fresh worker and writes it to `file` (.bin or .json). */
async function saveInput(target: string, seed: number, i: number, file: string, outDir: string): Promise<void> {
  const worker = spawn({ target, seed, from: i, to: i + 1, saveTo: file }, outDir);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 60_000);
    worker.on('message', (m: Message) => m.t === 'saved' && (clearTimeout(timer), void worker.terminate().then(() => resolve())));
    worker.once('error', () => (clearTimeout(timer), resolve()));
  });
}

export async function fuzzTarget(target: string, options: RunOptions): Promise<TargetReport> {
  const report: TargetReport = {
    target,
    cases: 0,
    results: 0,
    refusals: 0,
    failures: [],
    slowestMs: 0,
    peakHeapMb: 0,
    peakRssMb: 0,
    totalMs: 0,
  };
  const started = performance.now();
  const outDir = options.outDir;
  const reproducer = (i: number) => path.join(outDir, target, `seed${options.seed}-case${i}`);
  let next = 0;
  while (next < options.cases) {
    const from = next;
    const outcome = await new Promise<{ stoppedAt: number; failure?: Omit<FuzzFailure, 'reproducer'> }>((resolve) => {
      const worker = spawn({ target, seed: options.seed, from, to: options.cases }, outDir);
      let current: number | null = null;
      let caseStarted = performance.now();
      let timeoutMs = LOAD_TIMEOUT_MS;
      let caseTimeoutMs = LOAD_TIMEOUT_MS;
      let generating = false;
      let settled = false;
      const finish = (result: { stoppedAt: number; failure?: Omit<FuzzFailure, 'reproducer'> }) => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        void worker.terminate().then(() => resolve(result));
      };
      const watch = setInterval(() => {
        const rss = process.memoryUsage.rss() / 1048576;
        report.peakRssMb = Math.max(report.peakRssMb, rss);
        const at = current ?? from;
        if (rss > RSS_LIMIT_MB)
          finish({
            stoppedAt: at,
            failure: { case: at, kind: 'memory', error: `mémoire du processus au-delà de ${RSS_LIMIT_MB} Mo (${Math.round(rss)} Mo)` },
          });
        else if (performance.now() - caseStarted > timeoutMs)
          finish({
            stoppedAt: at,
            failure: {
              case: at,
              kind: 'hang',
              error:
                current === null
                  ? `la cible ne s’est pas chargée en ${LOAD_TIMEOUT_MS} ms`
                  : generating
                    ? `génération du cas (banc) non terminée après ${timeoutMs} ms`
                    : `cas non terminé après ${timeoutMs} ms`,
            },
          });
      }, 100);
      worker.stdout.resume();
      worker.stderr.resume();
      worker.on('message', (m: Message) => {
        if (m.t === 'ready') {
          timeoutMs = caseTimeoutMs = m.timeoutMs;
          caseStarted = performance.now();
        } else if (m.t === 'generate') {
          current = m.i;
          generating = true;
          timeoutMs = GENERATE_TIMEOUT_MS;
          caseStarted = performance.now();
        } else if (m.t === 'start') {
          current = m.i;
          generating = false;
          timeoutMs = caseTimeoutMs;
          caseStarted = performance.now();
        } else if (m.t === 'done') {
          current = null;
          caseStarted = performance.now();
          report.cases++;
          report.slowestMs = Math.max(report.slowestMs, m.ms);
          report.peakHeapMb = Math.max(report.peakHeapMb, m.heapMb);
          if (m.verdict.kind === 'result') report.results++;
          else if (m.verdict.kind === 'refusal') report.refusals++;
          else report.failures.push({ case: m.i, kind: 'exception', error: m.verdict.error, reproducer: reproducer(m.i) });
          options.onProgress?.(target, report.cases);
        } else if (m.t === 'finished') finish({ stoppedAt: options.cases });
      });
      worker.on('error', (error: Error & { code?: string }) => {
        const at = current ?? from;
        const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish({
          stoppedAt: at,
          failure: {
            case: at,
            kind: memory ? 'memory' : 'crash',
            error: `${error.name}: ${error.message}\n${error.stack ?? ''}`.slice(0, 4000),
          },
        });
      });
      worker.on('exit', () => finish({ stoppedAt: current ?? options.cases }));
    });
    if (outcome.failure) {
      report.cases++;
      report.failures.push({ ...outcome.failure, reproducer: reproducer(outcome.failure.case) });
      await saveInput(target, options.seed, outcome.failure.case, reproducer(outcome.failure.case), outDir);
      next = outcome.stoppedAt + 1;
    } else next = outcome.stoppedAt;
  }
  report.totalMs = performance.now() - started;
  return report;
}

/** Every target, `jobs` at a time (one worker per target, reused from case to case); `casesPerTarget` overrides `cases`. */
export async function fuzzAll(
  targets: readonly string[],
  options: RunOptions & { jobs: number; casesPerTarget?: Record<string, number> },
): Promise<TargetReport[]> {
  const reports: TargetReport[] = [];
  const queue = [...targets];
  await Promise.all(
    Array.from({ length: Math.max(1, options.jobs) }, async () => {
      for (let t = queue.shift(); t; t = queue.shift())
        reports.push(await fuzzTarget(t, { ...options, cases: options.casesPerTarget?.[t] ?? options.cases }));
    }),
  );
  return targets.map((t) => reports.find((r) => r.target === t)!);
}

export function table(reports: readonly TargetReport[]): string {
  const rows = [['cible', 'cas', 'résultats', 'refus typés', 'échecs', 'plus lent (ms)', 'tas max (Mo)', 'durée (s)']];
  for (const r of reports)
    rows.push([
      r.target,
      String(r.cases),
      String(r.results),
      String(r.refusals),
      String(r.failures.length),
      r.slowestMs.toFixed(0),
      r.peakHeapMb.toFixed(0),
      (r.totalMs / 1000).toFixed(1),
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
