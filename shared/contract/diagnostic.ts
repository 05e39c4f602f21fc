/** The « Diagnostic » report over the contract (see shared/domain/diagnostic.ts). */
import { z } from 'zod';
import { diagnosticAreas, diagnosticVerdicts } from '../domain/diagnostic.js';

const text = z.string().max(4000);

export const diagnosticCheck = z.object({
  id: z.string().max(100),
  area: z.enum(diagnosticAreas),
  label: z.string().max(200),
  verdict: z.enum(diagnosticVerdicts),
  detail: text,
  action: text,
  data: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).optional(),
});

export const diagnosticReport = z.object({
  generatedAt: z.string(),
  version: z.string(),
  env: z.string(),
  host: z.string(),
  personal: z.boolean(),
  checks: z.array(diagnosticCheck).max(100),
  overall: z.enum(['ok', 'attention', 'echec']),
  /** The plain-text report for « Copier le rapport », secrets redacted, no patient data. */
  text: z.string().max(100_000),
});
