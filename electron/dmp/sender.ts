/**
 * The outbox sender of `dmp.feed`: sends a self-checked CDA with ITI-41,
 * idempotent by uniqueId (the DMP's « already there » for our document
 * counts as success, so a retry after a crash or a lost answer gives one
 * document). Refusals that retrying cannot fix (metadata, patient, closed
 * DMP, identity no longer qualified…) become {@link PermanentSendError}
 * with the French message; outages and busy registries are retried.
 */
import { z } from 'zod';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { PatientService } from '../patients/service.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import { PermanentSendError, type Sender } from '../platform/outbox/worker.js';
import type { DmpCache } from './cache.js';
import type { DmpClient, DmpFeedResult } from './client/api.js';
import type { DmpFeedPayload, DmpSessionLike } from './service.js';

/** IHE registry/repository errors that say « try later » rather than « this document is wrong ». */
export const TRANSIENT_XDS_CODES: ReadonlySet<string> = new Set([
  'XDSRegistryBusy',
  'XDSRepositoryBusy',
  'XDSRegistryOutOfResources',
  'XDSRepositoryOutOfResources',
  'XDSRegistryError',
  'XDSRepositoryError',
]);

const payloadSchema = z
  .object({
    v: z.literal(1),
    uid: z.string().min(1).max(64),
    uniqueId: z.string().min(1).max(128),
    cdaBase64: z.string().min(4),
    visibility: z.object({ masquePs: z.boolean(), invisiblePatient: z.boolean(), invisibleRepresentants: z.boolean() }),
    replaces: z.object({ entryUuid: z.string(), uniqueId: z.string() }).nullable(),
    author: z.string().min(1),
    title: z.string(),
    typeCode: z.string(),
  })
  .strict();

/** Can retrying this error help? (Outage, busy service, nobody logged in: yes. A refused document: no.) */
export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentSendError) return false;
  if (!(error instanceof CabinetError)) return true;
  const codes = (error.details as { codes?: unknown } | undefined)?.codes;
  if (Array.isArray(codes) && codes.length > 0) return codes.every((c) => typeof c === 'string' && TRANSIENT_XDS_CODES.has(c));
  return error.code === 'UNAVAILABLE' || error.code === 'SESSION_REQUIRED' || error.code === 'INTERNAL';
}

export interface DmpSenderOptions {
  client: () => DmpClient;
  patients: Pick<PatientService, 'shareableIns'>;
  session: DmpSessionLike;
  cache: DmpCache;
  audit: AuditLog;
  onChange?: (uid: string) => void;
}

export function createDmpFeedSender(options: DmpSenderOptions): Sender {
  return async (item) => {
    const parsed = payloadSchema.safeParse(item.payload);
    if (!parsed.success) throw new PermanentSendError('Envoi au DMP illisible dans la file d’envoi : il ne peut pas être repris.');
    const payload: DmpFeedPayload = parsed.data;
    const { cache, audit } = options;
    const fail = (message: string) => {
      cache.updateFeed(payload.uniqueId, 'echec', { error: message });
      audit.append({
        actor: payload.author,
        action: 'dmp.feed_failed',
        subject: payload.uid,
        details: { uniqueId: payload.uniqueId, erreur: message.slice(0, 300) },
      });
      options.onChange?.(payload.uid);
      return new PermanentSendError(message);
    };

    // The VIHF of the send is the author's: wait for them to be logged in (retried, not failed).
    const credentials = options.session.require();
    if (credentials.practitioner.idNatPs !== payload.author) {
      throw new CabinetError('SESSION_REQUIRED', 'Ce document attend que son auteur se connecte pour partir vers le DMP.');
    }
    // The identity must still be qualified when the document leaves (it may have been downgraded meanwhile).
    let ins: { matricule: string; cle: string; oid: string };
    try {
      ins = options.patients.shareableIns(payload.uid);
    } catch (error) {
      throw fail(
        error instanceof CabinetError ? `Envoi au DMP impossible : ${error.message}` : 'Envoi au DMP impossible : patient introuvable.',
      );
    }
    const cda = Buffer.from(payload.cdaBase64, 'base64');
    if (!cda.includes(`extension="${ins.matricule}${ins.cle}"`) || !cda.includes(`root="${ins.oid}"`)) {
      throw fail('Envoi au DMP refusé : l’INS du document ne correspond plus à celui du patient. Préparez le document à nouveau.');
    }

    let result: DmpFeedResult;
    try {
      result = await options
        .client()
        .feed(
          { ins: { value: `${ins.matricule}${ins.cle}`, oid: ins.oid } },
          { cda, uniqueId: payload.uniqueId, visibility: payload.visibility, ...(payload.replaces ? { replaces: payload.replaces } : {}) },
        );
    } catch (error) {
      if (!isTransient(error)) throw fail(error instanceof Error ? error.message : 'Le DMP a refusé le document.');
      const message = error instanceof CabinetError ? error.message : 'Erreur inattendue pendant l’envoi au DMP.';
      cache.updateFeed(payload.uniqueId, 'en_attente', { error: message });
      throw error instanceof CabinetError ? error : new CabinetError('UNAVAILABLE', message);
    }
    if (result.uniqueId !== payload.uniqueId) throw fail('Le DMP a répondu pour un autre document : envoi à vérifier.');
    cache.updateFeed(payload.uniqueId, 'envoye', { outcome: result.outcome });
    audit.append({
      actor: payload.author,
      action: 'dmp.feed_sent',
      subject: payload.uid,
      details: { uniqueId: payload.uniqueId, resultat: result.outcome, lot: result.submissionSetUniqueId },
    });
    options.onChange?.(payload.uid);
    return result;
  };
}
