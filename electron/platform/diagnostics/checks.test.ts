import { describe, expect, it } from 'vitest';
import { runChecks, type PendingCheck } from './checks.js';

const context = { version: '1.0.0', env: 'sandbox', host: 'cli', personal: false, deadlineMs: 200 };

describe('the diagnostic runner', () => {
  it('a check that never answers is an échec saying so; one that throws too; the others still report', async () => {
    const checks: PendingCheck[] = [
      {
        id: 'a',
        area: 'poste',
        label: 'Rapide',
        run: () => ({ id: 'a', area: 'poste', label: 'Rapide', verdict: 'ok', detail: 'bien', action: '' }),
      },
      { id: 'b', area: 'services', label: 'Bloqué', run: () => new Promise(() => undefined) },
      { id: 'c', area: 'carte', label: 'Cassé', run: () => Promise.reject(new Error('module absent')) },
    ];
    const report = await runChecks(checks, context);
    expect(report.checks.map((c) => [c.id, c.verdict])).toEqual([
      ['a', 'ok'],
      ['b', 'echec'],
      ['c', 'echec'],
    ]);
    expect(report.checks[1]!.detail).toMatch(/^Pas de réponse en/);
    expect(report.checks[2]!.detail).toContain('module absent');
    expect(report.overall).toBe('echec');
  });

  it('redacts secrets in details and in the text', async () => {
    const leaky: PendingCheck = {
      id: 'x',
      area: 'poste',
      label: 'Fuite',
      run: () => ({
        id: 'x',
        area: 'poste',
        label: 'Fuite',
        verdict: 'attention',
        detail: 'en-tête Authorization: Bearer eyJabc.def',
        action: 'access_token=abc123',
      }),
    };
    const report = await runChecks([leaky], context);
    expect(JSON.stringify(report)).not.toMatch(/eyJabc|abc123/);
    expect(report.text).toContain('[masqué]');
  });
});
