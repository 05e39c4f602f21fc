/**
 * The DMP client as the composition root builds it: the configured endpoint
 * (`CABINET_DMP_URL`, the managed file, or the sandbox's), mutual TLS with the
 * logged-in practitioner's authentication key (one pooled transport per login,
 * closed when the practitioner changes), the VIHF built per call by the
 * identity service (purpose of use + patient INS), the signature key that
 * signs ITI-41 submission sets (IHE DSG), and the XDS sourceId
 * (`CABINET_DMP_SOURCE_ID`; a fixed test OID in the sandbox).
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { authorSpecialtyFor } from '../../shared/domain/cda/index.js';
import type { IdentityService } from '../identity/service.js';
import type { Credentials } from '../identity/types.js';
import type { CabinetConfig } from '../platform/config/config.js';
import { nodeHttpsTransport, type HttpsTransport } from '../platform/tls/transport.js';
import type { Tracer } from '../platform/trace/trace.js';
import type { DmpClient } from './client/api.js';
import { XdsDmpClient, type DmpAuthor } from './client/client.js';

/** XDS sourceId used in the sandbox when none is configured (a test OID, never sent to a real DMP). */
export const SANDBOX_SOURCE_ID = '1.2.250.1.213.1.999.1';

export interface DmpConnectOptions {
  config: CabinetConfig;
  env: NodeJS.ProcessEnv;
  serverTrust: readonly string[];
  tracer: Tracer;
  identity: Pick<IdentityService, 'session' | 'vihf'>;
}

export function authorOf(credentials: Credentials): DmpAuthor {
  const p = credentials.practitioner;
  return {
    idNat: p.idNatPs,
    family: p.surname,
    given: p.givenName,
    specialty: authorSpecialtyFor(p.professionCode, p.specialtyCode) ?? null,
    institution: { id: p.structureId ?? null, name: null },
  };
}

export function createDmpConnection(options: DmpConnectOptions): { client: () => DmpClient; close(): void } {
  let pooled: { credentials: Credentials; transport: HttpsTransport } | null = null;
  const close = () => {
    pooled?.transport.close();
    pooled = null;
  };
  return {
    close,
    client() {
      const url = options.config.endpoints.dmp.url;
      if (!url)
        throw new CabinetError(
          'UNAVAILABLE',
          'Le DMP n’est pas configuré pour cet environnement : son adresse est fournie à l’homologation (fichier de configuration géré ou CABINET_DMP_URL).',
        );
      const sourceId = options.env.CABINET_DMP_SOURCE_ID?.trim() || (options.config.env === 'sandbox' ? SANDBOX_SOURCE_ID : '');
      if (!sourceId)
        throw new CabinetError(
          'UNAVAILABLE',
          'L’identifiant de source XDS de Cabinet (CABINET_DMP_SOURCE_ID) n’est pas configuré : le DMP ne peut pas être alimenté.',
        );
      const credentials = options.identity.session.require();
      if (!credentials.tls)
        throw new CabinetError(
          'UNAVAILABLE',
          'Le DMP demande une authentification par carte CPS ou certificat : une connexion e-CPS ne suffit pas sur ce poste.',
        );
      if (pooled?.credentials !== credentials) {
        close();
        pooled = { credentials, transport: nodeHttpsTransport(credentials.tls, { extraCa: options.serverTrust }) };
      }
      return new XdsDmpClient({
        url,
        transport: pooled.transport,
        vihf: (call) => options.identity.vihf({ purposeOfUse: call.purpose ?? 'normal', patientIns: call.ins }),
        author: () => authorOf(options.identity.session.require()),
        // The submission set is signed with the session's signature key (the CPS card's nonRepudiation key, as for the VIHF).
        signer: () => options.identity.session.require().signature,
        sourceId,
        tracer: options.tracer,
      });
    },
  };
}
