/**
 * The `dmp` group of the contract: the DMP panel of the patient screen.
 * Documents cross the bridge as base64, bounded (a PDF of 20 MiB at most,
 * like the CDA builder). The INS never travels here: the services take it
 * from the patient (qualified identities only).
 */
import { z } from 'zod';
import { CONFIDENTIALITY_CODES, FACILITY_TYPE_CODES, PRACTICE_SETTING_CODES, TYPE_CODES } from '../domain/cda/index.js';
import { MAX_ACCESS_REASON_CHARS, MAX_PDF_BASE64_CHARS } from '../domain/limits.js';

/** 20 MiB of PDF → at most 4 × ⌈20 MiB / 3⌉ base64 characters (shared/domain/limits.ts). */
export { MAX_PDF_BASE64_CHARS };

const uid = z.string().regex(/^[0-9a-f-]{36}$/);
const entryUuid = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9:._-]+$/);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const base64 = (max: number) =>
  z
    .string()
    .min(4)
    .max(max)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/);

export const dmpAvailabilities = ['Approved', 'Deprecated', 'Archived', 'Deleted'] as const;
export const dmpAuthorizations = ['VALIDE', 'EXPIRE', 'INTERDIT', 'NON_EXISTE'] as const;
export const dmpPurposes = ['normal', 'bris_de_glace', 'centre_15'] as const;
export const visibilityFilters = ['toutes', 'normales', 'masquees_ps', 'invisibles_patient', 'invisibles_representants'] as const;

export const dmpVisibility = z
  .object({ masquePs: z.boolean(), invisiblePatient: z.boolean(), invisibleRepresentants: z.boolean() })
  .strict();
const coded = z.object({ code: z.string(), scheme: z.string(), display: z.string() });

export const dmpStatusValue = z.object({
  exists: z.boolean(),
  closed: z.boolean(),
  espaceSanteActive: z.boolean(),
  authorization: z.enum(dmpAuthorizations),
  medecinTraitant: z.boolean(),
  authorizationEnd: z.string().nullable(),
});

/** Bris de glace / centre 15 in force for this patient (the UI shows a banner). */
export const dmpAccess = z.object({ purpose: z.enum(dmpPurposes), reason: z.string(), since: z.string() });

export const dmpStatusView = z.object({
  status: dmpStatusValue,
  fetchedAt: z.string(),
  /** True when the DMP could not be reached and this is the cached answer. */
  offline: z.boolean(),
  /** French sentence for the panel (state, what to do next). */
  message: z.string(),
  access: dmpAccess.nullable(),
});

export const dmpEntry = z.object({
  entryUuid: z.string(),
  uniqueId: z.string(),
  repositoryUniqueId: z.string(),
  status: z.enum(dmpAvailabilities),
  title: z.string(),
  type: coded,
  class: coded.nullable(),
  format: coded.nullable(),
  confidentiality: z.array(coded),
  visibility: dmpVisibility,
  mimeType: z.string(),
  creationTime: z.string().nullable(),
  serviceStart: z.string().nullable(),
  serviceStop: z.string().nullable(),
  submissionTime: z.string().nullable(),
  authors: z.array(
    z.object({ name: z.string(), idNat: z.string().nullable(), specialty: z.string().nullable(), institution: z.string().nullable() }),
  ),
  size: z.number().nullable(),
  hash: z.string().nullable(),
  logicalId: z.string().nullable(),
  version: z.string().nullable(),
  replaces: z.string().nullable(),
  /** Authored by the logged-in practitioner (delete allowed). */
  own: z.boolean(),
});

export const dmpFeedView = z.object({
  uniqueId: z.string(),
  outboxId: z.number().int(),
  state: z.enum(['en_attente', 'envoye', 'echec']),
  title: z.string(),
  typeCode: z.string(),
  error: z.string().nullable(),
  createdAt: z.string(),
});

export const dmpFilter = z
  .object({
    types: z.array(z.string().max(20)).max(50).optional(),
    from: day.optional(),
    to: day.optional(),
    author: z.string().max(100).optional(),
    visibility: z.enum(visibilityFilters).optional(),
    statuses: z.array(z.enum(dmpAvailabilities)).max(4).optional(),
    limit: z.number().int().min(1).max(5000).default(50),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

export const dmpListRequest = z
  .object({
    uid,
    filter: dmpFilter.default({ limit: 50, offset: 0 }),
    /** `auto`: first 2-year search, then incremental; `complet`: a new 2-year search; `cache`: no network. */
    refresh: z.enum(['auto', 'complet', 'cache']).default('auto'),
  })
  .strict();

export const dmpListView = z.object({
  entries: z.array(dmpEntry),
  total: z.number().int(),
  /** When the cache was last refreshed from the DMP (null: never). */
  fetchedAt: z.string().nullable(),
  offline: z.boolean(),
  /** French: the cache's age when offline, what was refreshed otherwise. */
  message: z.string(),
  feeds: z.array(dmpFeedView),
  access: dmpAccess.nullable(),
});

export const dmpUidRequest = z.object({ uid }).strict();
export const dmpAuthorizationRequest = z.object({ uid, consentConfirmed: z.boolean() }).strict();
export const dmpEntryRequest = z.object({ uid, entryUuid }).strict();

export const dmpDocumentView = z.object({
  entryUuid: z.string(),
  uniqueId: z.string(),
  mimeType: z.string(),
  /** The document as retrieved (a CDA's XML, or the file), base64. */
  contentBase64: z.string(),
  /** `cda-n1`: a PDF in a nonXMLBody (in `pdfBase64`); `cda-n3`: a structured CDA (render sandboxed); `autre`: any other document. */
  kind: z.enum(['cda-n1', 'cda-n3', 'autre']),
  pdfBase64: z.string().nullable(),
  fromCache: z.boolean(),
  fetchedAt: z.string(),
});

export const dmpFeedInput = z
  .object({
    uid,
    pdfBase64: base64(MAX_PDF_BASE64_CHARS),
    type: z.string().refine((code) => Object.hasOwn(TYPE_CODES, code), 'type de document inconnu (JDV_J07)'),
    title: z.string().trim().min(1).max(250).optional(),
    /** Date of the document (AAAA-MM-JJ, default today). */
    date: day.optional(),
    visibility: dmpVisibility.default({ masquePs: false, invisiblePatient: false, invisibleRepresentants: false }),
    confidentiality: z
      .string()
      .refine((code) => Object.hasOwn(CONFIDENTIALITY_CODES, code), 'confidentialité inconnue')
      .optional(),
    practiceSetting: z
      .string()
      .refine((code) => Object.hasOwn(PRACTICE_SETTING_CODES, code), 'cadre d’exercice inconnu')
      .optional(),
    facilityType: z
      .string()
      .refine((code) => Object.hasOwn(FACILITY_TYPE_CODES, code), 'type de structure inconnu')
      .optional(),
  })
  .strict();

/** Feeding: either the preview the practitioner saw (by its id), or the inputs again. */
export const dmpFeedRequest = z.union([z.object({ uid, previewId: z.string().uuid() }).strict(), dmpFeedInput]);
export const dmpReplaceRequest = dmpFeedInput.extend({ entryUuid }).strict();
/** A preview of a new document, or of the replacement of `replaces` (an entryUuid). */
export const dmpPreviewRequest = dmpFeedInput.extend({ replaces: entryUuid.optional() }).strict();

export const dmpPreviewView = z.object({
  previewId: z.string(),
  uniqueId: z.string(),
  /** What the practitioner checks before « Envoyer au DMP », in French: label → value. */
  metadata: z.array(z.object({ label: z.string(), value: z.string() })),
  expiresAt: z.string(),
});

export const dmpFeedResultView = z.object({ uniqueId: z.string(), outboxId: z.number().int(), state: z.string(), message: z.string() });

export const dmpVisibilityRequest = z.object({ uid, entryUuid, visibility: dmpVisibility }).strict();
export const dmpSetStatusRequest = z.object({ uid, entryUuid, status: z.enum(['Approved', 'Archived', 'Deleted']) }).strict();
export const dmpBrisDeGlaceRequest = z
  .object({
    uid,
    purpose: z.enum(['bris_de_glace', 'centre_15']),
    /** Mandatory: why the practitioner accesses without authorisation (MIN_ACCESS_REASON_CHARS once trimmed, shared/domain/limits.ts: checked by the service, which says so in French). */
    reason: z.string().max(MAX_ACCESS_REASON_CHARS),
  })
  .strict();
