/**
 * A tiny benchmark harness: each case is timed against a baseline measured
 * in the same run on the same machine, and reported as a ratio — absolute
 * times vary between machines, ratios much less. No assertion here: the
 * numbers are read, compared with the budgets in docs/performance.md, and discussed.
 */
export interface Measure {
  median: number;
  p95: number;
  samples: number;
}

export function measure(samples: number[]): Measure {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), samples: sorted.length };
}

export async function time(runs: number, body: (i: number) => unknown | Promise<unknown>, warmup = Math.min(3, runs)): Promise<Measure> {
  // `i` is unique across warm-up and measured runs (keys built from it never collide).
  for (let i = 0; i < warmup; i++) await body(runs + i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await body(i);
    samples.push(performance.now() - start);
  }
  return measure(samples);
}

/**
 * Times two bodies alternately (subject, reference, subject, …) so that both
 * see the same machine load, garbage collections and caches.
 */
export async function compare(
  runs: number,
  subject: (i: number) => unknown,
  reference: (i: number) => unknown,
  warmup = 20,
): Promise<{ subject: Measure; reference: Measure }> {
  for (let i = 0; i < warmup; i++) {
    await subject(runs + i);
    await reference(runs + i);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    await subject(i);
    a.push(performance.now() - start);
    start = performance.now();
    await reference(i);
    b.push(performance.now() - start);
  }
  return { subject: measure(a), reference: measure(b) };
}

export interface Row {
  name: string;
  baseline: string;
  subject: Measure;
  reference: Measure;
  budget?: number;
  /** Judge the budget on the p95 ratio rather than the medians. */
  p95?: boolean;
  /** An absolute budget as well (e.g. one frame), judged on the measured median. */
  budgetMs?: { ms: number; label: string };
  /** Extra lines printed under the row. */
  notes?: string[];
}

export const ms = (n: number): string => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ms`);

export function report(rows: Row[]): string {
  const lines = ['', 'Cabinet — bancs d’essai (médiane / p95, ratio des médianes contre la référence mesurée dans la même exécution)', ''];
  for (const row of rows) {
    const ratio = row.subject.median / Math.max(row.reference.median, 1e-6);
    const p95Ratio = row.subject.p95 / Math.max(row.reference.p95, 1e-6);
    const judged = row.p95 ? p95Ratio : ratio;
    const verdict =
      row.budget === undefined ? '' : `${judged <= row.budget ? '  ✔' : '  ✘ au-delà du'} budget ${row.p95 ? 'p95 ' : ''}≤ ${row.budget}×`;
    lines.push(`• ${row.name}`);
    lines.push(`    mesuré     ${ms(row.subject.median)} / ${ms(row.subject.p95)}  (n=${row.subject.samples})`);
    lines.push(`    référence  ${ms(row.reference.median)} / ${ms(row.reference.p95)}  — ${row.baseline}`);
    lines.push(`    ratio      ${ratio.toFixed(2)}× (p95 : ${p95Ratio.toFixed(2)}×)${verdict}`);
    if (row.budgetMs) {
      const within = row.subject.median <= row.budgetMs.ms;
      lines.push(
        `    budget     ${row.budgetMs.label} : médiane ${ms(row.subject.median)}, p95 ${ms(row.subject.p95)}  ${within ? '✔' : '✘ au-delà'}`,
      );
    }
    for (const note of row.notes ?? []) lines.push(`    ${note}`);
  }
  return lines.join('\n');
}
