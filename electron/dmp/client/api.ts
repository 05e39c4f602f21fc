/**
 * What the rest of Cabinet asks of the DMP, whatever speaks to it. The
 * implementation (`client.ts`) speaks SOAP 1.2 / IHE XDS.b to the real DMP or
 * to the sandbox (`../sandbox/`); the DMP service (`../service.ts`) and the
 * outbox sender depend only on this file.
 *
 * Every method takes the practitioner's context (`DmpCall`): the VIHF is built
 * per call from it (purpose of use, patient INS) and the TLS client
 * certificate comes from the session. Failures are `CabinetError`s with a
 * French message; a `RegistryErrorList` keeps its IHE code in
 * `details.codes`.
 */
import type { PurposeOfUse } from '../../identity/vihf/vihf.js';

/** A qualified INS as the DMP knows it (`INS^^^&OID&ISO^NH` in XDS metadata). */
export interface DmpIns {
  /** Matricule + key (15 characters). */
  value: string;
  oid: string;
}

export interface DmpCall {
  ins: DmpIns;
  /** `normal` unless bris de glace or centre 15 (the VIHF carries it; the DMP records it). */
  purpose?: PurposeOfUse;
  /** Mandatory for bris de glace: the practitioner's reason, sent in the VIHF and audited. */
  reason?: string;
}

/** TD0.2 — authorisation of this practitioner on the patient's DMP. */
export type DmpAuthorization = 'VALIDE' | 'EXPIRE' | 'INTERDIT' | 'NON_EXISTE';

export interface DmpStatus {
  /** The patient has a DMP (open, not closed). */
  exists: boolean;
  /** DMP closed by the patient or at death (no feed, no consult). */
  closed: boolean;
  /** Mon espace santé activated (the patient can read what is fed). */
  espaceSanteActive: boolean;
  authorization: DmpAuthorization;
  /** The practitioner is declared "médecin traitant DMP" by the patient. */
  medecinTraitant: boolean;
  /** Authorisation end (ISO), when VALIDE. */
  authorizationEnd: string | null;
}

export type DmpAvailability = 'Approved' | 'Deprecated' | 'Archived' | 'Deleted';

/** ITI-57 visibility, as the DMP codes it (confidentialityCode in the DMP's masking scheme). */
export interface DmpVisibility {
  /** Hidden from other practitioners (MASQUE_PS). */
  masquePs: boolean;
  /** Not visible to the patient (INVISIBLE_PATIENT). */
  invisiblePatient: boolean;
  /** Not visible to the legal representatives (INVISIBLE_REPRESENTANTS_LEGAUX). */
  invisibleRepresentants: boolean;
}

export interface Coded {
  code: string;
  scheme: string;
  display: string;
}

/** One DocumentEntry of a stored-query answer, flattened. */
export interface DmpDocumentEntry {
  /** ebRIM ExtrinsicObject id (urn:uuid:…). */
  entryUuid: string;
  uniqueId: string;
  repositoryUniqueId: string;
  status: DmpAvailability;
  title: string;
  type: Coded;
  class: Coded | null;
  format: Coded | null;
  confidentiality: Coded[];
  visibility: DmpVisibility;
  mimeType: string;
  /** ISO instant. */
  creationTime: string | null;
  serviceStart: string | null;
  serviceStop: string | null;
  submissionTime: string | null;
  authors: { name: string; idNat: string | null; specialty: string | null; institution: string | null }[];
  size: number | null;
  hash: string | null;
  /** logicalId / version for replacement chains. */
  logicalId: string | null;
  version: string | null;
  /** entryUuid of the document this one replaces (RPLC), if any. */
  replaces: string | null;
}

export interface DmpFindFilter {
  /** Default Approved. */
  status?: DmpAvailability[];
  typeCodes?: string[];
  creationFrom?: Date;
  creationTo?: Date;
  serviceFrom?: Date;
  serviceTo?: Date;
  authorIdNat?: string;
}

export interface DmpSubmissionSet {
  entryUuid: string;
  uniqueId: string;
  submissionTime: string | null;
  /** Entry UUIDs of the documents it registered (through HasMember associations). */
  documentUuids: string[];
}

/** What to feed: a checked CDA and the choices the XDS metadata needs beyond its header. */
export interface DmpFeedDocument {
  /** The CDA XML, already self-checked. */
  cda: Buffer;
  /** The CDA's id as XDS uniqueId (`root` or `root^extension`). */
  uniqueId: string;
  visibility: DmpVisibility;
  /** entryUuid + uniqueId of the document replaced (RPLC association). */
  replaces?: { entryUuid: string; uniqueId: string };
}

export interface DmpFeedResult {
  /** `created`, or `already` when the DMP already holds this uniqueId from us (idempotent retry). */
  outcome: 'created' | 'already';
  uniqueId: string;
  submissionSetUniqueId: string;
}

export interface DmpClient {
  /** TD0.2. */
  status(call: DmpCall): Promise<DmpStatus>;
  /** TD0.3: the patient consented (or the practitioner declares so); returns the new status. */
  addAuthorization(call: DmpCall): Promise<DmpStatus>;
  /** ITI-18 FindDocuments (DMP filters), LeafClass. */
  findDocuments(
    call: DmpCall,
    filter: DmpFindFilter,
    stream?: { onDocuments(chunk: DmpDocumentEntry[]): void },
  ): Promise<DmpDocumentEntry[]>;
  /** ITI-18 FindSubmissionSets submitted since `since` (incremental refresh). */
  findSubmissionSets(call: DmpCall, since: Date): Promise<DmpSubmissionSet[]>;
  /** ITI-18 GetDocuments by entry UUID (≤ 20 per call, the caller batches). */
  getDocuments(call: DmpCall, entryUuids: string[]): Promise<DmpDocumentEntry[]>;
  /** ITI-43 Retrieve Document Set (MTOM). */
  retrieve(call: DmpCall, doc: { uniqueId: string; repositoryUniqueId: string }): Promise<{ mimeType: string; content: Buffer }>;
  /** ITI-41 Provide and Register (MTOM); idempotent by uniqueId. */
  feed(call: DmpCall, doc: DmpFeedDocument): Promise<DmpFeedResult>;
  /** ITI-57: change the visibility of a document. */
  setVisibility(call: DmpCall, entry: DmpDocumentEntry, visibility: DmpVisibility): Promise<void>;
  /** ITI-57: availabilityStatus → Archived or Deleted (deletion: author only). */
  setStatus(call: DmpCall, entry: DmpDocumentEntry, status: 'Archived' | 'Deleted' | 'Approved'): Promise<void>;
}
