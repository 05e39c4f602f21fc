/** Data shapes exchanged over the contract (zod, so both sides share one definition). */
import { z } from 'zod';
import { environments, nationalServices } from '../domain/services.js';
import { outboxStates } from '../domain/outbox.js';
import { userSettingKeys } from '../domain/settings.js';
import { practiceZoneIds } from '../domain/civil-date.js';
import { identitySources, practitionerSchema } from '../domain/practitioner.js';

export const empty = z.object({}).strict();

export const appInfo = z.object({
  name: z.string(),
  version: z.string(),
  env: z.enum(environments),
  dataDir: z.string(),
  host: z.enum(['electron', 'navigateur', 'cli']),
  nodeVersion: z.string(),
  platform: z.string(),
  /** The practice's time zone (setting `practice.timeZone`): the renderer's « today » and displayed dates. */
  timeZone: z.enum(practiceZoneIds),
});

export const serviceStatus = z.object({
  id: z.enum(nationalServices),
  label: z.string(),
  state: z.enum(['connecte', 'indisponible', 'non_configure']),
  /** French explanation, e.g. the reason it is unavailable. */
  detail: z.string().optional(),
  url: z.string().nullable(),
  checkedAt: z.string().nullable(),
  /** Since when it is unavailable (ISO, from the real calls or a probe), while it is. */
  since: z.string().nullable().optional(),
});

export const outboxCounts = z.object({
  en_attente: z.number().int(),
  en_cours: z.number().int(),
  envoye: z.number().int(),
  echec: z.number().int(),
});

export const status = z.object({
  env: z.enum(environments),
  services: z.array(serviceStatus),
  outbox: outboxCounts,
});

export const auditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const auditListRequest = z
  .object({
    limit: z.number().int().min(1).max(500).default(100),
    beforeId: z.number().int().positive().optional(),
  })
  .strict();

export const auditVerification = z.object({
  valid: z.boolean(),
  count: z.number().int(),
  brokenAt: z.number().int().optional(),
  reason: z.string().optional(),
  /** The signed checkpoints outside the database (electron/platform/audit/anchors.ts). */
  anchors: z.object({
    checkpoints: z.number().int(),
    last: z.object({ count: z.number().int(), time: z.string(), actor: z.string() }).nullable(),
    unanchored: z.number().int(),
    problems: z.array(z.string()),
    warnings: z.array(z.string()),
  }),
});

export const outboxItem = z.object({
  id: z.number().int(),
  idempotencyKey: z.string(),
  kind: z.string(),
  label: z.string(),
  summary: z.string(),
  state: z.enum(outboxStates),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** After sending (mail): what the receipts say — « envoyé » while nothing says otherwise, then remis, lu or échec. */
  delivery: z
    .object({ state: z.enum(['envoye', 'en_attente', 'remis', 'lu', 'echec']), label: z.string().nullable(), at: z.string().nullable() })
    .nullable()
    .optional(),
});

export const outboxListRequest = z
  .object({
    state: z.enum(outboxStates).optional(),
    limit: z.number().int().min(1).max(500).default(200),
  })
  .strict();

export const idRequest = z.object({ id: z.number().int().positive() }).strict();

const settingSource = z.enum(['defaut', 'utilisateur', 'gere', 'variable']);

export const settingsView = z.object({
  env: z.enum(environments),
  envSource: settingSource,
  dataDir: z.string(),
  managedFile: z.string().nullable(),
  traceDir: z.string().nullable(),
  endpoints: z.array(
    z.object({ id: z.enum(nationalServices), label: z.string(), url: z.string().nullable(), source: settingSource, locked: z.boolean() }),
  ),
  values: z.array(
    z.object({
      key: z.enum(userSettingKeys),
      value: z.union([z.number(), z.boolean(), z.string()]),
      source: settingSource,
      locked: z.boolean(),
    }),
  ),
});

export const settingsSetRequest = z
  .object({ key: z.enum(userSettingKeys), value: z.union([z.number(), z.boolean(), z.string()]) })
  .strict();

export const sessionView = z.object({
  state: z.enum(['deconnecte', 'connecte', 'verrouille']),
  practitioner: practitionerSchema.nullable(),
  source: z.enum(identitySources).nullable(),
  /** "Carte CPS — lecteur …", "martin.p12", "e-CPS". */
  description: z.string().nullable(),
  lockReason: z.enum(['inactivite', 'carte_retiree', 'manuel']).nullable(),
  /** French sentence for the lock screen. */
  lockMessage: z.string().nullable(),
  lockAfterMinutes: z.number().int(),
});

export const cardsView = z.object({
  modulePath: z.string().nullable(),
  moduleFound: z.boolean(),
  cards: z.array(z.object({ index: z.number().int(), slotDescription: z.string(), tokenLabel: z.string(), serialNumber: z.string() })),
  /** Why no card can be listed, in French. */
  message: z.string().optional(),
});

export const loginCardRequest = z.object({ slotIndex: z.number().int().min(0).max(31), pin: z.string().regex(/^\d{4,12}$/) }).strict();

/** A .p12 chosen in the renderer travels as base64 (bounded); it stays in memory only. */
export const loginP12Request = z
  .object({
    fileName: z.string().min(1).max(255),
    contentBase64: z
      .string()
      .min(4)
      .max(360_000)
      .regex(/^[A-Za-z0-9+/=]+$/),
    password: z.string().max(200),
  })
  .strict();

export const ecpsStartRequest = z.object({ idNatPs: z.string().regex(/^[0-9][0-9A-Za-z]{5,20}$/) }).strict();
export const ecpsStartView = z.object({
  authReqId: z.string(),
  bindingMessage: z.string(),
  expiresAt: z.string(),
  interval: z.number().int(),
});
export const ecpsPollRequest = z.object({ authReqId: z.string().min(1).max(500) }).strict();
export const ecpsPollView = z.object({ status: z.enum(['en_attente', 'connecte']), session: sessionView.optional() });

export const unlockRequest = z.object({ secret: z.string().min(1).max(200) }).strict();

// ——— Patients and INS ———

const insStatus = z.enum(['PROV', 'VALI', 'RECUP', 'QUAL']);

/** Traits as typed by the user: normalised and validated by the service (shared/domain/ins). */
export const traitsInput = z
  .object({
    birthName: z.string().min(1).max(100),
    usedName: z.string().max(100).optional(),
    /** All first names, space-separated, in civil-status order. */
    firstNames: z.string().min(1).max(200),
    sex: z.enum(['M', 'F']),
    /** YYYY-MM-DD; day or month may be 00 when unknown. */
    birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** COG code of the birthplace (5 characters; 99xxx abroad). */
    birthplace: z.string().max(5).optional(),
  })
  .strict();

export const insView = z.object({ matricule: z.string(), cle: z.string(), oid: z.string(), oidLabel: z.string() });

export const patientSummary = z.object({
  uid: z.string(),
  birthName: z.string(),
  usedName: z.string().nullable(),
  firstName: z.string(),
  firstNames: z.string(),
  sex: z.string(),
  birthDate: z.string(),
  birthplace: z.string().nullable(),
  status: insStatus,
  statusLabel: z.string(),
  /** Only for a qualified identity: the INS may leave the app. */
  ins: insView.nullable(),
  /** Present whatever the status, for display on this post only. */
  insLocal: insView.nullable(),
  attributes: z.array(z.string()),
  updatedAt: z.string(),
});

/** The patient's médecin traitant as this post knows it: an MSSanté mailbox chosen in the Annuaire Santé. */
export const medecinTraitant = z.object({ address: z.string().max(254), displayName: z.string().max(200) }).strict();

export const patientDetail = patientSummary.extend({
  medecinTraitant: medecinTraitant.nullable(),
  insHistory: z.array(
    z.object({ matricule: z.string(), cle: z.string(), oid: z.string(), dateDeb: z.string().nullable(), dateFin: z.string().nullable() }),
  ),
  document: z.object({ type: z.string(), label: z.string(), date: z.string(), checkedBy: z.string() }).nullable(),
  insiCheckedAt: z.string().nullable(),
  history: z.array(z.object({ at: z.string(), actor: z.string(), from: insStatus.nullable(), to: insStatus, reason: z.string() })),
});

export const patientsSearchRequest = z.object({ query: z.string().max(100), limit: z.number().int().min(1).max(100).default(50) }).strict();
export const patientsSearchAheadRequest = z
  .object({ query: z.string().max(99), limit: z.number().int().min(1).max(100).default(50) })
  .strict();
export const uidRequest = z.object({ uid: z.string().regex(/^[0-9a-f-]{36}$/) }).strict();
export const patientCreateRequest = z.object({ traits: traitsInput }).strict();
export const medecinTraitantRequest = z
  .object({ uid: z.string().regex(/^[0-9a-f-]{36}$/), medecinTraitant: medecinTraitant.nullable() })
  .strict();

export const insiLookupResult = z.object({
  /** Server-side handle of this result: accepting it sends only this id back. */
  lookupId: z.string(),
  cr: z.enum(['00', '01', '02']),
  label: z.string(),
  /** Each request of the strategy (first names one by one, then the list). */
  attempts: z.array(z.object({ prenom: z.string(), cr: z.string() })),
  individu: z
    .object({
      ins: insView,
      history: z.array(
        z.object({
          matricule: z.string(),
          cle: z.string(),
          oid: z.string(),
          dateDeb: z.string().nullable(),
          dateFin: z.string().nullable(),
        }),
      ),
      traits: z.object({
        birthName: z.string(),
        firstName: z.string(),
        firstNames: z.string(),
        sex: z.string(),
        birthDate: z.string(),
        birthplace: z.string().nullable(),
      }),
    })
    .nullable(),
  /** Fields where INSi's traits differ from the entered ones. */
  differences: z.array(z.string()),
});

export const insLookupTraitsRequest = z.object({ traits: traitsInput, uid: z.string().optional() }).strict();
export const insLookupVitaleRequest = z
  .object({
    fileName: z.string().max(255),
    contentBase64: z
      .string()
      .max(100_000)
      .regex(/^[A-Za-z0-9+/=]*$/),
    beneficiaire: z.number().int().min(0).max(20).default(0),
  })
  .strict();
export const acceptInsiRequest = z.object({ lookupId: z.string().max(100), uid: z.string().optional() }).strict();
export const documentRequest = z
  .object({ uid: z.string(), type: z.string().max(20), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
  .strict();
export const attributesRequest = z.object({ uid: z.string(), attributes: z.array(z.string().max(10)).max(20) }).strict();
export const reverifyResult = z.object({ same: z.boolean(), message: z.string(), result: insiLookupResult });
