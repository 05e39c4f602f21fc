import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { AnnuaireService } from './service.js';
import { SANDBOX_API_KEY } from '../../sandboxes/annuaire/constants.js';

const endpoints = (url: string | null) => ({ annuaire: { url, source: 'defaut', locked: false } }) as never;

describe('AnnuaireService', () => {
  it('says in French when the directory is not configured, or its key is missing outside the sandbox', async () => {
    const none = new AnnuaireService({ config: { env: 'qualification', endpoints: endpoints(null) }, env: {}, serverTrust: [] });
    await expect(none.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/non configuré/),
    });
    const noKey = new AnnuaireService({
      config: { env: 'production', endpoints: endpoints('https://gateway.api.esante.gouv.fr/fhir/v2') },
      env: {},
      serverTrust: [],
    });
    await expect(noKey.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/CABINET_ANNUAIRE_API_KEY/),
    });
  });

  it('uses the sandbox key in the sandbox environment, the configured one otherwise; reports a failure once a minute at most', async () => {
    const keys: string[] = [];
    const reported: CabinetError[] = [];
    const make = (env: 'sandbox' | 'production', vars: NodeJS.ProcessEnv) =>
      new AnnuaireService({
        config: { env, endpoints: endpoints('https://annuaire.test/fhir/v2') },
        env: vars,
        serverTrust: [],
        onFailure: (e) => reported.push(e),
        client: {
          get: async (_url, headers) => {
            keys.push(headers['ESANTE-API-KEY'] ?? '');
            return { status: 503, contentType: 'text/plain', body: '' };
          },
        },
      });
    const sandbox = make('sandbox', {});
    await expect(sandbox.search({ text: 'martin', limit: 20 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(sandbox.search({ text: 'dupont', limit: 20 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(
      make('production', { CABINET_ANNUAIRE_API_KEY: ' cle-prod ' }).search({ text: 'martin', limit: 20 }),
    ).rejects.toBeInstanceOf(CabinetError);
    expect(new Set(keys)).toEqual(new Set([SANDBOX_API_KEY, 'cle-prod']));
    // Twice from the sandbox service (once reported), once from the production one.
    expect(reported.map((e) => e.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
  });
});
