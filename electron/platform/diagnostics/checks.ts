/**
 * The Diagnostic's runner: every check in parallel, each under its own
 * deadline (a check that does not answer in time is an « échec » saying so,
 * the others still report), then the report with its plain-text form for
 * « Copier le rapport » (trace redaction applied). Also the disk-space check
 * of the data folder. The checks themselves live beside what they inspect.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  diskVerdict,
  overallVerdict,
  reportText,
  type DiagnosticArea,
  type DiagnosticCheck,
  type DiagnosticReport,
} from '../../../shared/domain/diagnostic.js';
import { redactText } from '../trace/trace.js';

/** One check (or several, e.g. one per service) to run, with what to say if it never answers. */
export interface PendingCheck {
  id: string;
  area: DiagnosticArea;
  label: string;
  run: () => Promise<DiagnosticCheck | DiagnosticCheck[]> | DiagnosticCheck | DiagnosticCheck[];
}

export const DEFAULT_CHECK_DEADLINE_MS = 8000;

function withDeadline(check: PendingCheck, deadlineMs: number): Promise<DiagnosticCheck[]> {
  const late: DiagnosticCheck = {
    id: check.id,
    area: check.area,
    label: check.label,
    verdict: 'echec',
    detail: `Pas de réponse en ${Math.round(deadlineMs / 1000)} secondes.`,
    action: 'Relancez le diagnostic ; si cela se reproduit, joignez ce rapport à votre demande au support.',
  };
  const failed = (error: unknown): DiagnosticCheck[] => [
    {
      ...late,
      detail: `La vérification n’a pas pu se faire : ${error instanceof Error ? error.message : String(error)}`,
      action: 'Relancez le diagnostic ; si cela se reproduit, joignez ce rapport à votre demande au support.',
    },
  ];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([late]), deadlineMs);
    timer.unref?.();
    Promise.resolve()
      .then(check.run)
      .then(
        (result) => resolve(Array.isArray(result) ? result : [result]),
        (error: unknown) => resolve(failed(error)),
      )
      .finally(() => clearTimeout(timer));
  });
}

export interface ReportContext {
  version: string;
  env: string;
  host: string;
  personal: boolean;
  now?: () => Date;
  deadlineMs?: number;
}

const redactCheck = (check: DiagnosticCheck): DiagnosticCheck => ({
  ...check,
  detail: redactText(check.detail),
  action: redactText(check.action),
});

export async function runChecks(checks: readonly PendingCheck[], context: ReportContext): Promise<DiagnosticReport & { text: string }> {
  const now = context.now ?? (() => new Date());
  const results = (await Promise.all(checks.map((c) => withDeadline(c, context.deadlineMs ?? DEFAULT_CHECK_DEADLINE_MS))))
    .flat()
    .map(redactCheck);
  const report: DiagnosticReport = {
    generatedAt: now().toISOString(),
    version: context.version,
    env: context.env,
    host: context.host,
    personal: context.personal,
    checks: results,
    overall: overallVerdict(results),
  };
  return { ...report, text: reportText(report, redactText) };
}

export async function diskCheck(dataDir: string): Promise<DiagnosticCheck> {
  const base = { id: 'poste.disque', area: 'poste' as const, label: 'Espace disque du dossier de données' };
  let target = dataDir;
  // Before the first start the folder may not exist yet: measure the nearest existing parent.
  while (!fs.existsSync(target) && path.dirname(target) !== target) target = path.dirname(target);
  const stats = await fs.promises.statfs(target);
  const free = stats.bavail * stats.bsize;
  const total = stats.blocks * stats.bsize;
  return { ...base, ...diskVerdict(free, total), data: { dossier: dataDir, libre: free, total } };
}
