import { describe, expect, it } from 'vitest';
import {
  certificateExpiryVerdict,
  clockVerdict,
  crlVerdict,
  diskVerdict,
  outboxVerdict,
  overallVerdict,
  reportText,
  type DiagnosticCheck,
  type DiagnosticReport,
} from './diagnostic.js';

const MIN = 60_000;
const MB = 1024 * 1024;

describe('clock offset against a national service', () => {
  it('is ok within a minute, attention beyond, échec beyond 5 minutes — either way', () => {
    expect(clockVerdict(0).verdict).toBe('ok');
    expect(clockVerdict(59_000).verdict).toBe('ok');
    expect(clockVerdict(-MIN).verdict).toBe('ok');
    expect(clockVerdict(MIN + 1000).verdict).toBe('attention');
    expect(clockVerdict(-(5 * MIN)).verdict).toBe('attention');
    expect(clockVerdict(5 * MIN + 1000).verdict).toBe('echec');
    expect(clockVerdict(-(3 * 3600_000)).verdict).toBe('echec');
  });

  it('says which way, by how much, why it matters (the VIHF) and how to fix it', () => {
    const late = clockVerdict(7 * MIN + 5000);
    expect(late.detail).toContain('en retard de 7 min 05 s');
    expect(late.detail).toContain('VIHF');
    expect(late.action).toMatch(/automatique/);
    expect(clockVerdict(-2 * MIN).detail).toContain('en avance de 2 min 00 s');
    expect(clockVerdict(2000).action).toBe('');
  });
});

describe('disk space of the data folder', () => {
  it('fails under 200 MB, warns under 1 GB', () => {
    expect(diskVerdict(150 * MB, 500_000 * MB).verdict).toBe('echec');
    expect(diskVerdict(200 * MB, 500_000 * MB).verdict).toBe('attention');
    expect(diskVerdict(1023 * MB, 500_000 * MB).verdict).toBe('attention');
    expect(diskVerdict(1024 * MB, 500_000 * MB).verdict).toBe('ok');
  });

  it('says the amounts in French units', () => {
    expect(diskVerdict(80 * 1024 * MB, 250 * 1024 * MB).detail).toBe('80 Go libres sur 250 Go.');
    expect(diskVerdict(150 * MB, 250 * 1024 * MB).action).toMatch(/Libérez/);
  });
});

describe('outbox backlog', () => {
  const empty = { enAttente: 0, enCours: 0, echec: 0, oldestPendingMs: null };
  it('is ok when empty or recent', () => {
    expect(outboxVerdict(empty)).toMatchObject({ verdict: 'ok', detail: 'Aucun envoi en attente.' });
    expect(outboxVerdict({ ...empty, enAttente: 3, oldestPendingMs: 10 * MIN }).verdict).toBe('ok');
  });
  it('warns when a send failed for good, pointing to Envois', () => {
    const v = outboxVerdict({ ...empty, echec: 2 });
    expect(v.verdict).toBe('attention');
    expect(v.detail).toContain('2 en échec');
    expect(v.action).toContain('Envois');
  });
  it('warns when the oldest pending send waits for more than an hour', () => {
    const v = outboxVerdict({ ...empty, enAttente: 1, enCours: 1, oldestPendingMs: 3 * 3600_000 });
    expect(v.verdict).toBe('attention');
    expect(v.detail).toContain('2 envoi(s) en attente');
    expect(v.detail).toContain('3 h 00 min');
    expect(outboxVerdict({ ...empty, enAttente: 1, oldestPendingMs: 59 * MIN }).verdict).toBe('ok');
  });
});

describe('practitioner certificate dates', () => {
  const from = new Date('2025-01-01T00:00:00Z');
  const to = new Date('2027-01-01T00:00:00Z');
  it('fails before validity and after expiry, warns in the last 30 days', () => {
    expect(certificateExpiryVerdict(from, to, new Date('2024-12-31T00:00:00Z')).verdict).toBe('echec');
    expect(certificateExpiryVerdict(from, to, new Date('2027-01-01T00:00:01Z'))).toMatchObject({
      verdict: 'echec',
      detail: expect.stringContaining('expiré le 1 janvier 2027'),
    });
    expect(certificateExpiryVerdict(from, to, new Date('2026-12-10T00:00:00Z'))).toMatchObject({
      verdict: 'attention',
      detail: expect.stringContaining('encore 22 jour(s)'),
    });
    expect(certificateExpiryVerdict(from, to, new Date('2026-11-01T00:00:00Z')).verdict).toBe('ok');
  });
});

describe('CRL freshness', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const crl = (nextUpdate: string | null) => ({
    issuer: 'AC IGC-Santé',
    thisUpdate: new Date('2026-05-01T00:00:00Z'),
    nextUpdate: nextUpdate ? new Date(nextUpdate) : null,
  });
  it('fails on a stale CRL, warns on none or one expiring within a day', () => {
    expect(crlVerdict([], now).verdict).toBe('attention');
    expect(crlVerdict([crl('2026-06-01T11:59:59Z')], now)).toMatchObject({
      verdict: 'echec',
      detail: expect.stringContaining('« AC IGC-Santé »'),
    });
    expect(crlVerdict([crl('2026-06-02T06:00:00Z')], now).verdict).toBe('attention');
    expect(crlVerdict([crl('2026-06-08T00:00:00Z'), crl(null)], now)).toMatchObject({
      verdict: 'ok',
      detail: '2 liste(s) de révocation à jour.',
    });
  });
});

describe('the report', () => {
  const check = (verdict: DiagnosticCheck['verdict'], area: DiagnosticCheck['area'] = 'poste'): DiagnosticCheck => ({
    id: `x.${verdict}`,
    area,
    label: `Vérif ${verdict}`,
    verdict,
    detail: 'détail',
    action: verdict === 'ok' ? '' : 'faire ceci',
  });
  it('takes the worst verdict, non-applicable counting as ok', () => {
    expect(overallVerdict([check('ok'), check('non-applicable')])).toBe('ok');
    expect(overallVerdict([check('ok'), check('attention')])).toBe('attention');
    expect(overallVerdict([check('attention'), check('echec')])).toBe('echec');
  });
  it('is plain French text, grouped by area, each verdict in words, and redacted', () => {
    const checks = [check('echec', 'services'), check('ok', 'carte'), { ...check('attention'), detail: 'Authorization: Bearer abc.def' }];
    const report: DiagnosticReport = {
      generatedAt: '2026-06-01T12:00:00.000Z',
      version: '1.0.0',
      env: 'sandbox',
      host: 'cli',
      personal: false,
      checks,
      overall: overallVerdict(checks),
    };
    const text = reportText(report, (t) => t.replace(/Bearer \S+/g, 'Bearer [masqué]'));
    expect(text).toContain('Résultat : Au moins une vérification a échoué.');
    expect(text).toContain('Aucune session ouverte');
    expect(text.indexOf('== Carte CPS et lecteur ==')).toBeLessThan(text.indexOf('== Services nationaux =='));
    expect(text).toContain('[Échec] Vérif echec : détail\n    À faire : faire ceci');
    expect(text).toContain('[OK] Vérif ok : détail');
    expect(text).toContain('Bearer [masqué]');
    expect(text).not.toContain('abc.def');
  });
});
