/**
 * e-CPS login for the identity service: Pro Santé Connect's CIBA flow
 * through PscClient. Tokens stay in the client's memory; logging out ends
 * the PSC session.
 */
import type { CabinetConfig } from '../../platform/config/config.js';
import type { Tracer } from '../../platform/trace/trace.js';
import type { EcpsProvider } from '../service.js';
import type { Credentials } from '../types.js';
import { PscClient } from './client.js';
import { sandboxClient } from './sandbox-client.js';

/**
 * The client registration: the sandbox's public test client, or
 * CABINET_PSC_CLIENT_ID / CABINET_PSC_CLIENT_SECRET given by ANS at
 * registration (qualification, production).
 */
function registration(config: CabinetConfig, env: NodeJS.ProcessEnv): { clientId: string; clientSecret: string } | null {
  if (env.CABINET_PSC_CLIENT_ID && env.CABINET_PSC_CLIENT_SECRET)
    return { clientId: env.CABINET_PSC_CLIENT_ID, clientSecret: env.CABINET_PSC_CLIENT_SECRET };
  return config.env === 'sandbox' ? { ...sandboxClient } : null;
}

export function createEcpsProvider(
  config: CabinetConfig,
  serverTrust: readonly string[],
  tracer: Tracer,
  env: NodeJS.ProcessEnv = process.env,
): EcpsProvider | null {
  const url = config.endpoints.psc.url;
  const client = registration(config, env);
  if (!url || !client) return null;
  const psc = new PscClient({ baseUrl: url, ...client, extraCa: serverTrust, tracer });
  return {
    start: async (idNatPs) => {
      const request = await psc.startLogin(idNatPs);
      return {
        authReqId: request.authReqId,
        bindingMessage: request.bindingMessage,
        expiresAt: request.expiresAt.toISOString(),
        interval: request.interval,
      };
    },
    poll: async (authReqId) => {
      const result = await psc.poll(authReqId);
      if (result === 'pending') return 'pending';
      // Keep the PSC session alive: refresh the tokens a minute before they expire. If PSC
      // refuses, the session is gone and the next presence check locks Cabinet.
      let alive = true;
      const refresher = setInterval(() => {
        const current = psc.current();
        if (!current) {
          alive = false;
          return;
        }
        if (current.tokens.expiresAt.getTime() - Date.now() < 60_000) void psc.refresh().catch(() => (alive = false));
      }, 15_000);
      refresher.unref();
      const credentials: Credentials = {
        practitioner: { ...result.practitioner, source: 'e_cps' },
        authentication: null,
        signature: null,
        tls: null,
        accessToken: () => psc.current()?.tokens.accessToken ?? null,
        present: () => alive && psc.current() !== null,
        dispose: () => {
          clearInterval(refresher);
          void psc.logout().catch(() => undefined);
        },
      };
      return credentials;
    },
  };
}
