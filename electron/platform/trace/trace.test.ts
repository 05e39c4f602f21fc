import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/fixtures.js';
import { createTracer, redact, REDACTED } from './trace.js';

describe('exchange traces', () => {
  it('redacts secrets in structured and textual content', () => {
    const soap =
      '<soap:Envelope><wsse:Security><ds:SignatureValue>QUJD==</ds:SignatureValue><wsse:Password>1234</wsse:Password></wsse:Security><nom>DUPONT</nom></soap:Envelope>';
    const http =
      'POST /token HTTP/1.1\r\nAuthorization: Bearer eyJhbGciOi.abc.def\r\nHost: x\r\n\r\n{"access_token":"eyJ.abc.def","refresh_token":"r1"}';
    const out = redact({
      body: soap,
      http,
      pin: '1234',
      headers: { Cookie: 'a=b', 'Content-Type': 'text/xml' },
      key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
    }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const secret of ['QUJD==', '1234', 'eyJhbGciOi', 'eyJ.abc.def', 'r1"', 'a=b', 'MIIE']) expect(text).not.toContain(secret);
    expect(text).toContain('DUPONT');
    expect(text).toContain('text/xml');
    expect(out.pin).toBe(REDACTED);
  });

  it('writes one file per exchange when CABINET_TRACE_DIR is set, and nothing otherwise', () => {
    const dir = path.join(tempDir(), 'traces');
    const tracer = createTracer(dir);
    const exchange = {
      service: 'insi' as const,
      operation: 'rechercherInsAvecTraitsIdentite',
      url: 'https://localhost:19443/lps',
      startedAt: new Date(),
      durationMs: 12,
      request: '<x>1</x>',
      response: { status: 200 },
      outcome: 'ok' as const,
    };
    tracer.record(exchange);
    tracer.record(exchange);
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/_insi_rechercherInsAvecTraitsIdentite_[0-9a-f]{6}\.json$/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8'))).toMatchObject({
      service: 'insi',
      request: '<x>1</x>',
      outcome: 'ok',
    });
    expect(() => createTracer(null).record(exchange)).not.toThrow();
  });
});
