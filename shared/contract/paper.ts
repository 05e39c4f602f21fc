/** Contract messages of the degraded mode's paper circuit (issue 15). */
import { z } from 'zod';

export const paperItem = z.object({
  key: z.string(),
  kind: z.enum(['mss', 'dmp']),
  patientUid: z.string().nullable(),
  summary: z.string(),
  reason: z.string(),
  since: z.string(),
});

export const paperList = z.object({ items: z.array(paperItem), delayHours: z.number().int() });

export const paperMarkRequest = z
  .object({
    key: z.string().min(5).max(600),
    how: z.enum(['main_propre', 'courrier']),
  })
  .strict();

/** « Imprimer pour le patient »: the printable PDF (base64), for a patient and optionally the items handed over. */
export const paperPrintRequest = z
  .object({
    uid: z.string().regex(/^[0-9a-f-]{36}$/),
  })
  .strict();

export const paperPrintResult = z.object({ fileName: z.string(), pdfBase64: z.string(), pages: z.number().int() });
