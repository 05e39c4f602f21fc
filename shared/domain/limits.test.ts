import { describe, expect, it } from 'vitest';
import {
  accessReasonProblem,
  MAX_ACCESS_REASON_CHARS,
  MAX_PDF_BASE64_CHARS,
  MAX_PDF_BYTES,
  MIN_ACCESS_REASON_CHARS,
  normaliseAccessReason,
} from './limits.js';

describe('shared limits', () => {
  it('the PDF limit is 20 MiB, and its base64 bound holds a 20 MiB file and no 3 bytes more', () => {
    expect(MAX_PDF_BYTES).toBe(20 * 1024 * 1024);
    expect(Buffer.alloc(MAX_PDF_BYTES).toString('base64').length).toBe(MAX_PDF_BASE64_CHARS);
    expect(Buffer.alloc(MAX_PDF_BYTES + 3).toString('base64').length).toBeGreaterThan(MAX_PDF_BASE64_CHARS);
  });

  it('a bris-de-glace reason counts its characters once trimmed and its spaces collapsed', () => {
    expect(normaliseAccessReason('  patient \n\t inconscient ')).toBe('patient inconscient');
    expect(accessReasonProblem('   ')).toMatch(/^Indiquez la raison de l’accès en bris de glace/);
    expect(accessReasonProblem('  a   b   c  d ', 'centre_15')).toBe(
      `La raison de l’accès en centre 15 est trop courte (${MIN_ACCESS_REASON_CHARS} caractères au moins).`,
    );
    expect(accessReasonProblem('x'.repeat(MIN_ACCESS_REASON_CHARS - 1))).toMatch(/trop courte/);
    expect(accessReasonProblem('x'.repeat(MIN_ACCESS_REASON_CHARS))).toBeNull();
    expect(accessReasonProblem('x'.repeat(MAX_ACCESS_REASON_CHARS))).toBeNull();
    expect(accessReasonProblem('x'.repeat(MAX_ACCESS_REASON_CHARS + 1))).toMatch(/trop longue \(500 caractères au plus\)/);
  });
});
