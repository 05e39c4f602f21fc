import { describe, expect, it } from 'vitest';
import { clockCheck, endpointCheck, type EndpointInspection } from './endpoint-check.js';

const base: EndpointInspection = {
  service: 'dmp',
  url: 'https://dmp.exemple.fr/si-dmp',
  dns: { ok: true, addresses: ['192.0.2.1'] },
  connected: true,
  http: { status: 401, date: null, offsetMs: 2000 },
};

describe('endpoint verdicts', () => {
  it('non-applicable without an address', () => {
    expect(endpointCheck({ ...base, url: null, dns: null, connected: false, http: null })).toMatchObject({
      verdict: 'non-applicable',
      action: expect.stringContaining('administrateur'),
    });
  });
  it('attention when the name does not resolve or the service does not answer (Cabinet works offline)', () => {
    expect(
      endpointCheck({ ...base, dns: { ok: false, detail: 'nom de serveur introuvable' }, connected: false, http: null }),
    ).toMatchObject({
      verdict: 'attention',
      detail: expect.stringContaining('DNS : nom de serveur introuvable'),
      action: expect.stringContaining('Internet'),
    });
    expect(endpointCheck({ ...base, connected: false, connectDetail: 'connexion refusée', http: null }).verdict).toBe('attention');
  });
  it('échec when the server’s certificate is not recognised (never bypassed)', () => {
    expect(
      endpointCheck({ ...base, connected: false, connectDetail: 'certificat du serveur émis par une autorité non reconnue', http: null }),
    ).toMatchObject({ verdict: 'echec', action: expect.stringContaining('proxy') });
  });
  it('a local sandbox that is down: how to start it', () => {
    expect(
      endpointCheck({
        ...base,
        service: 'mssSmtp',
        url: 'smtp://localhost:19587',
        connected: false,
        connectDetail: 'connexion refusée',
        http: null,
      }).action,
    ).toContain('cabinet sandbox start mss');
  });
  it('ok with any HTTP answer, the status kept in data', () => {
    expect(endpointCheck(base)).toMatchObject({
      verdict: 'ok',
      detail: expect.stringContaining('le service répond'),
      data: { http: 401, tls: true },
    });
  });
});

describe('clock verdicts per service', () => {
  it('only for HTTPS services', () => {
    expect(clockCheck({ ...base, service: 'mssImap', url: 'imaps://imap.exemple.fr', http: null })).toBeNull();
  });
  it('measured from the answer’s Date header', () => {
    expect(clockCheck(base)).toMatchObject({ id: 'horloge.dmp', verdict: 'ok', data: { ecartMs: 2000 } });
    expect(clockCheck({ ...base, http: { status: 200, date: null, offsetMs: -6 * 60_000 } })?.verdict).toBe('echec');
  });
  it('non-applicable when the service cannot tell its time, saying why', () => {
    expect(clockCheck({ ...base, http: null, httpDetail: 'x' })).toMatchObject({
      verdict: 'non-applicable',
      detail: expect.stringContaining('avec une carte CPS ou un certificat'),
    });
    expect(clockCheck({ ...base, connected: false, http: null })).toMatchObject({
      verdict: 'non-applicable',
      detail: expect.stringContaining('pas pu être joint'),
    });
  });
});
