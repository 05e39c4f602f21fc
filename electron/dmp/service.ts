/**
 * The DMP as the patient screen uses it: status and authorisation (TD0.2 /
 * TD0.3), the document list (first automatic search limited to 2 years, then
 * incremental: FindSubmissionSets since the last call, GetDocuments by 20),
 * the viewer (ITI-43, cached), feeding and replacing through the durable
 * outbox (a self-checked CDA, idempotent by uniqueId), visibility, archive
 * and delete (own documents only) through ITI-57, and bris de glace /
 * centre 15 with a mandatory reason.
 *
 * The INS leaves the app only through `PatientService.shareableIns()` (a
 * qualified identity); every access is audited; when the DMP cannot be
 * reached, the cache answers with its age instead of an error.
 */
import { randomUUID } from 'node:crypto';
import { CabinetError } from '../../shared/contract/outcome.js';
import {
  DEFAULT_PRACTICE_ZONE,
  instantAt,
  isCivilDate,
  practiceClock,
  todayIn,
  type PracticeClock,
} from '../../shared/domain/civil-date.js';
import {
  CONFIDENTIALITY_CODES,
  FACILITY_TYPE_CODES,
  PRACTICE_SETTING_CODES,
  TYPE_CODES,
  type ConfidentialityCode,
  type FacilityTypeCode,
  type PracticeSettingCode,
  type TypeCode,
} from '../../shared/domain/cda/index.js';
import { formatIns, insOidLabel } from '../../shared/domain/ins/index.js';
import type { Practitioner } from '../../shared/domain/practitioner.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { Outbox } from '../platform/outbox/outbox.js';
import type { Db } from '../platform/store/database.js';
import type { PatientService } from '../patients/service.js';
import type { PurposeOfUse } from '../identity/vihf/vihf.js';
import type { Credentials } from '../identity/types.js';
import { MAX_PDF_BYTES, type BuiltCda, type CdaId } from './cda/builder.js';
import { createCheckedCda } from './cda/document.js';
import type { CdaSelfCheck } from './cda/self-check.js';
import { readCda } from './cda-reader.js';
import { accessReasonProblem, normaliseAccessReason } from '../../shared/domain/limits.js';
import { DmpCache, type CacheFilter, type FeedRecord } from './cache.js';
import { inlineCacheWriter, StreamedStore, type DmpCacheWriter } from './cache-writer.js';
import type { DmpCall, DmpClient, DmpDocumentEntry, DmpIns, DmpStatus, DmpSubmissionSet, DmpVisibility } from './client/api.js';

export const DMP_FEED_KIND = 'dmp.feed';
/** ITI-18 GetDocuments: at most 20 entry UUIDs per call (ANS usage example). */
export const GET_DOCUMENTS_BATCH = 20;
/** The first automatic search covers at most two years. */
export const INITIAL_SEARCH_YEARS = 2;
/**
 * First opening (nothing cached): the newest documents are searched first over
 * these recent windows (months), widened until {@link FIRST_SCREEN_DOCUMENTS}
 * are found, and shown at once; the full 2-year search follows in the
 * background (`dmpChanged` when done). The last window is the full search.
 */
export const RECENT_WINDOWS_MONTHS: readonly number[] = [3, 6, 12, INITIAL_SEARCH_YEARS * 12];
/** What the panel shows first (its first page). */
export const FIRST_SCREEN_DOCUMENTS = 50;
/** The next FindSubmissionSets starts a little before the last call (clock skew); entries already cached are skipped. */
export const CURSOR_OVERLAP_MS = 5 * 60_000;
const ACCESS_TTL_MS = 12 * 3600_000;
const PREVIEW_TTL_MS = 30 * 60_000;
const MAX_PREVIEWS = 4;

export interface DmpFeedPayload {
  v: 1;
  uid: string;
  uniqueId: string;
  cdaBase64: string;
  visibility: DmpVisibility;
  replaces: { entryUuid: string; uniqueId: string } | null;
  /** idNat_PS of the author: the VIHF of the send must be theirs. */
  author: string;
  title: string;
  typeCode: string;
}

export interface FeedInput {
  pdf: Buffer;
  type: string;
  title?: string;
  /** AAAA-MM-JJ, default today. */
  date?: string;
  visibility?: DmpVisibility;
  confidentiality?: string;
  practiceSetting?: string;
  facilityType?: string;
}

export interface DmpAccess {
  purpose: Exclude<PurposeOfUse, 'normal'>;
  reason: string;
  since: string;
}

export interface DmpSessionLike {
  require(): Credentials;
  readonly actor: string;
}

export interface DmpServiceOptions {
  db: Db;
  audit: AuditLog;
  outbox: Outbox;
  patients: Pick<PatientService, 'shareableIns' | 'get'>;
  session: DmpSessionLike;
  /** The DMP client (built lazily: its endpoint and certificates come from the configuration and the session). */
  client: () => DmpClient;
  /** The CDA self-check (XSD + structuration minimale). */
  checker: () => CdaSelfCheck;
  /** Wakes the outbox worker after an enqueue. */
  kick?: () => void;
  onChange?: (uid: string) => void;
  clock?: () => Date;
  /** The practice's clock (its time zone and now; civil-date.ts); when given, its `now` replaces `clock`. */
  practice?: PracticeClock;
  /** The OID under which Cabinet numbers its documents, when one is configured. */
  idRoot?: string;
  cache?: DmpCache;
  /**
   * Where FindDocuments answers are stored while they are read (`cache-writer.ts`):
   * a `WorkerCacheWriter` overlaps the read and the SQLCipher writes. Default
   * (and fallback: a store without a file): in-thread, on `db`, the same SQL
   * and the same transactions.
   */
  cacheWriter?: DmpCacheWriter | (() => DmpCacheWriter | null);
  /**
   * First opening of a patient's DMP: show the newest documents of a recent
   * window at once and search the two years in the background (default, for
   * the panel). False for one-shot callers (CLI) that want the full list.
   */
  progressive?: boolean;
}

const noVisibility: DmpVisibility = { masquePs: false, invisiblePatient: false, invisibleRepresentants: false };

/** « il y a 3 heures » — the cache's age, in French. */
export function ageLabel(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'il y a moins d’une minute';
  if (minutes < 60) return `il y a ${minutes} minute${minutes > 1 ? 's' : ''}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `il y a ${hours} heure${hours > 1 ? 's' : ''}`;
  return `il y a ${Math.floor(hours / 24)} jours`;
}

export function statusMessage(status: DmpStatus): string {
  if (!status.exists) return 'Ce patient n’a pas de DMP.';
  if (status.closed) return 'Le DMP de ce patient est fermé : il ne peut être ni consulté ni alimenté.';
  const parts: string[] = [];
  switch (status.authorization) {
    case 'VALIDE':
      parts.push(
        `Vous êtes autorisé(e) à consulter ce DMP${status.authorizationEnd ? ` jusqu’au ${status.authorizationEnd.slice(0, 10).split('-').reverse().join('/')}` : ''}.`,
      );
      break;
    case 'EXPIRE':
      parts.push('Votre autorisation d’accès a expiré : ajoutez-la après avoir recueilli le consentement du patient.');
      break;
    case 'NON_EXISTE':
      parts.push('Vous n’avez pas d’autorisation d’accès à ce DMP : ajoutez-la après avoir recueilli le consentement du patient.');
      break;
    case 'INTERDIT':
      parts.push('Le patient vous a interdit l’accès à son DMP : ni consultation, ni bris de glace.');
      break;
  }
  if (status.medecinTraitant) parts.push('Vous êtes son médecin traitant DMP.');
  if (!status.espaceSanteActive) parts.push('Mon espace santé n’est pas activé : le patient ne voit pas encore ses documents.');
  return parts.join(' ');
}

function isOffline(error: unknown): boolean {
  return error instanceof CabinetError && error.code === 'UNAVAILABLE';
}

/** Is this practitioner one of the entry's authors? */
export function isOwnEntry(entry: DmpDocumentEntry, practitioner: Pick<Practitioner, 'idNatPs'>): boolean {
  return entry.authors.some((a) => a.idNat !== null && a.idNat === practitioner.idNatPs);
}

function visibilityLabel(v: DmpVisibility): string {
  const hidden = [
    v.masquePs ? 'masqué aux autres professionnels' : null,
    v.invisiblePatient ? 'invisible pour le patient' : null,
    v.invisibleRepresentants ? 'invisible pour ses représentants légaux' : null,
  ].filter(Boolean);
  return hidden.length ? hidden.join(', ') : 'visible par le patient et les professionnels autorisés';
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Preview {
  uid: string;
  actor: string;
  built: BuiltCda;
  visibility: DmpVisibility;
  replaces: { entryUuid: string; uniqueId: string } | null;
  patientLabel: string;
  expiresAt: number;
}

export class DmpService {
  readonly cache: DmpCache;
  private readonly inlineWriter: DmpCacheWriter;
  private cacheWriter: DmpCacheWriter | null = null;
  private readonly clock: () => Date;
  private readonly practice: PracticeClock;
  private readonly access = new Map<string, DmpAccess & { expiresAt: number }>();
  private readonly previews = new Map<string, Preview>();
  /** Full 2-year searches running in the background after a first screen of recent documents, by patient. */
  private readonly searches = new Map<string, Promise<void>>();

  constructor(private readonly options: DmpServiceOptions) {
    this.clock = options.practice?.now ?? options.clock ?? (() => new Date());
    this.practice = options.practice ?? practiceClock(DEFAULT_PRACTICE_ZONE, this.clock);
    this.cache = options.cache ?? new DmpCache(options.db, this.clock, undefined, () => this.practice.zone());
    this.inlineWriter = inlineCacheWriter(this.cache);
  }

  private get audit() {
    return this.options.audit;
  }

  private practitioner(): Practitioner {
    return this.options.session.require().practitioner;
  }

  /** The DMP context of a call: the INS only for a qualified identity; bris de glace / centre 15 when declared for this patient. */
  private call(uid: string, actor: string): DmpCall {
    const ins = this.options.patients.shareableIns(uid);
    const dmpIns: DmpIns = { value: `${ins.matricule}${ins.cle}`, oid: ins.oid };
    const access = this.accessFor(uid, actor);
    return access ? { ins: dmpIns, purpose: access.purpose, reason: access.reason } : { ins: dmpIns };
  }

  private accessFor(uid: string, actor: string): DmpAccess | null {
    const key = `${actor}|${uid}`;
    const access = this.access.get(key);
    if (!access) return null;
    if (access.expiresAt < this.clock().getTime()) {
      this.access.delete(key);
      return null;
    }
    return { purpose: access.purpose, reason: access.reason, since: access.since };
  }

  private auditDetails(call: DmpCall, details: Record<string, unknown> = {}): Record<string, unknown> {
    return call.purpose && call.purpose !== 'normal' ? { ...details, mode: call.purpose } : details;
  }

  private changed(uid: string): void {
    this.options.onChange?.(uid);
  }

  /** TD0.2: the DMP's state and this practitioner's authorisation (cached; the cache answers offline). */
  async status(uid: string) {
    const actor = this.practitioner().idNatPs;
    const call = this.call(uid, actor);
    try {
      const status = await this.options.client().status(call);
      this.cache.saveStatus(uid, status);
      this.audit.append({
        actor,
        action: 'dmp.status',
        subject: uid,
        details: this.auditDetails(call, { autorisation: status.authorization, existe: status.exists }),
      });
      return {
        status,
        fetchedAt: this.clock().toISOString(),
        offline: false,
        message: statusMessage(status),
        access: this.accessFor(uid, actor),
      };
    } catch (error) {
      const cached = this.cache.state(uid);
      if (!isOffline(error) || !cached.status || !cached.statusFetchedAt) throw error;
      this.audit.append({ actor, action: 'dmp.status', subject: uid, details: this.auditDetails(call, { hors_ligne: true }) });
      const age = ageLabel(this.clock().getTime() - Date.parse(cached.statusFetchedAt));
      return {
        status: cached.status,
        fetchedAt: cached.statusFetchedAt,
        offline: true,
        message: `DMP injoignable : état enregistré ${age}. ${statusMessage(cached.status)}`,
        access: this.accessFor(uid, actor),
      };
    }
  }

  /** TD0.3, only once the patient's consent is confirmed. */
  async addAuthorization(uid: string, input: { consentConfirmed: boolean }) {
    const actor = this.practitioner().idNatPs;
    if (input.consentConfirmed !== true) {
      throw new CabinetError('INVALID_REQUEST', 'Confirmez d’abord que le patient a consenti à ce que vous consultiez son DMP.');
    }
    const call = this.call(uid, actor);
    const status = await this.options.client().addAuthorization(call);
    this.cache.saveStatus(uid, status);
    this.audit.append({
      actor,
      action: 'dmp.authorization',
      subject: uid,
      details: { consentement: true, autorisation: status.authorization },
    });
    this.changed(uid);
    return {
      status,
      fetchedAt: this.clock().toISOString(),
      offline: false,
      message: statusMessage(status),
      access: this.accessFor(uid, actor),
    };
  }

  /** Bris de glace or centre 15: a reason is mandatory and audited; the session remembers it for this patient. */
  declareAccess(uid: string, purpose: DmpAccess['purpose'], reason: string): DmpAccess {
    const actor = this.practitioner().idNatPs;
    const problem = accessReasonProblem(reason, purpose === 'centre_15' ? 'centre_15' : 'bris_de_glace');
    if (problem) throw new CabinetError('INVALID_REQUEST', problem);
    const text = normaliseAccessReason(reason);
    this.options.patients.shareableIns(uid);
    const now = this.clock();
    const access: DmpAccess = { purpose, reason: text, since: now.toISOString() };
    this.access.set(`${actor}|${uid}`, { ...access, expiresAt: now.getTime() + ACCESS_TTL_MS });
    this.audit.append({
      actor,
      action: purpose === 'bris_de_glace' ? 'dmp.bris_de_glace' : 'dmp.centre_15',
      subject: uid,
      details: { raison: text },
    });
    this.changed(uid);
    return access;
  }

  currentAccess(uid: string): DmpAccess | null {
    return this.accessFor(uid, this.options.session.actor);
  }

  /**
   * The list: refreshed from the DMP (first a 2-year FindDocuments, then
   * FindSubmissionSets since the last call + GetDocuments by 20 for entries
   * not cached yet), then read from the cache with the filters. Offline, the
   * cache answers with its age.
   */
  async list(uid: string, filter: CacheFilter = {}, refresh: 'auto' | 'complet' | 'cache' = 'auto') {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    const call = this.call(uid, actor);
    const state = this.cache.state(uid);
    let offline = false;
    let message: string;
    if (refresh === 'cache') {
      message = state.listFetchedAt
        ? `Liste enregistrée ${ageLabel(this.clock().getTime() - Date.parse(state.listFetchedAt))}.`
        : 'Aucune liste enregistrée pour ce patient.';
      this.audit.append({ actor, action: 'dmp.list', subject: uid, details: this.auditDetails(call, { mode: 'cache' }) });
    } else if (refresh === 'auto' && this.searches.has(uid)) {
      // The full search started by the first opening is still running: the cache answers; `dmpChanged` follows.
      message = 'Recherche des documents des deux dernières années en cours…';
      this.audit.append({ actor, action: 'dmp.list', subject: uid, details: this.auditDetails(call, { mode: 'cache' }) });
    } else {
      try {
        await this.searches.get(uid);
        message =
          refresh === 'auto' && !state.listFetchedAt && this.options.progressive !== false
            ? await this.firstSearch(uid, call, actor)
            : await this.refresh(uid, call, state.cursor && refresh === 'auto' ? state.cursor : null, actor);
      } catch (error) {
        if (!isOffline(error)) throw error;
        offline = true;
        this.audit.append({ actor, action: 'dmp.list', subject: uid, details: this.auditDetails(call, { hors_ligne: true }) });
        if (!state.listFetchedAt) {
          throw new CabinetError(
            'UNAVAILABLE',
            `Le DMP est injoignable et aucun document de ce patient n’est enregistré sur ce poste. ${(error as CabinetError).message}`,
          );
        }
        message = `DMP injoignable : liste enregistrée ${ageLabel(this.clock().getTime() - Date.parse(state.listFetchedAt))}.`;
      }
    }
    const { entries, total } = this.cache.list(uid, filter);
    const after = this.cache.state(uid);
    return {
      entries: entries.map((e) => ({ ...e, own: isOwnEntry(e, practitioner) })),
      total,
      fetchedAt: after.listFetchedAt,
      offline,
      message,
      feeds: this.cache.feeds({ patientUid: uid }, 20).map(feedView),
      access: this.accessFor(uid, actor),
    };
  }

  /** Resolves once the background search of this patient's first opening (if any) is over. */
  async searched(uid: string): Promise<void> {
    await this.searches.get(uid);
  }

  private initialFrom(startedAt: Date, months: number): Date {
    const from = new Date(startedAt);
    from.setUTCMonth(from.getUTCMonth() - months);
    return from;
  }

  /**
   * First opening, nothing cached: FindDocuments over a recent window, widened
   * until the first screen is full (or the window is the full two years); what
   * it found is stored and shown at once. When the window was shorter than two
   * years, the full search runs in the background and stores its answer, sets
   * the incremental cursor, and announces `dmpChanged`.
   */
  private async firstSearch(uid: string, call: DmpCall, actor: string): Promise<string> {
    const startedAt = this.clock();
    const full = INITIAL_SEARCH_YEARS * 12;
    for (const months of RECENT_WINDOWS_MONTHS) {
      if (months >= full) break;
      const from = this.initialFrom(startedAt, months);
      // No cursor yet: until the full search is stored, the next refresh searches again.
      const entries = await this.findAndStore(
        uid,
        call,
        from,
        { replaceAll: true, initialFrom: from.toISOString() },
        (found) => found.length >= FIRST_SCREEN_DOCUMENTS,
      );
      if (entries.length < FIRST_SCREEN_DOCUMENTS) continue;
      this.audit.append({
        actor,
        action: 'dmp.list',
        subject: uid,
        details: this.auditDetails(call, { mode: 'recent', mois: months, documents: entries.length }),
      });
      const search = this.refresh(uid, call, null, actor, startedAt)
        .then(
          () => undefined,
          // Offline or refused meanwhile: the cursor stays unset, so the next refresh searches again; the panel re-reads what it has.
          () => this.changed(uid),
        )
        .finally(() => this.searches.delete(uid));
      this.searches.set(uid, search);
      return `Les ${entries.length} documents des ${months} derniers mois ; recherche sur deux ans en cours…`;
    }
    return this.refresh(uid, call, null, actor, startedAt);
  }

  /**
   * FindDocuments from `from`, stored while it is read: each chunk of entries
   * goes to the cache writer (a worker: SQLCipher on another core) as the
   * reader closes it; the sweep, deprecations and cursor are written last, once
   * every chunk is committed and the answer confirmed (no registry error). When
   * `keep` says no (a recent window too short for the first screen), the
   * streamed rows are left as upserts and nothing else is written.
   */
  private async findAndStore(
    uid: string,
    call: DmpCall,
    from: Date,
    options: { replaceAll: true; cursor?: string; initialFrom: string },
    keep: (entries: DmpDocumentEntry[]) => boolean = () => true,
  ): Promise<DmpDocumentEntry[]> {
    const client = this.options.client();
    const filter = { status: ['Approved' as const], serviceFrom: from };
    const stream = new StreamedStore(this.writer(), uid, this.cache.nowStamp());
    let entries: DmpDocumentEntry[];
    try {
      entries = await client.findDocuments(call, filter, stream);
    } catch (error) {
      await stream.abandon();
      throw error;
    }
    if (keep(entries)) await stream.done(entries, options);
    else await stream.abandon();
    return entries;
  }

  /** The cache writer, made at the first refresh (a factory that gives null: in-thread). */
  private writer(): DmpCacheWriter {
    if (!this.cacheWriter) {
      const option = this.options.cacheWriter;
      this.cacheWriter = (typeof option === 'function' ? option() : option) ?? this.inlineWriter;
    }
    return this.cacheWriter;
  }

  /** Releases the cache writer (the worker's connection), after its pending writes. */
  async close(): Promise<void> {
    const writer = this.cacheWriter;
    this.cacheWriter = null;
    await writer?.close();
  }

  private async refresh(uid: string, call: DmpCall, cursor: string | null, actor: string, started?: Date): Promise<string> {
    const client = this.options.client();
    const startedAt = started ?? this.clock();
    let sets: DmpSubmissionSet[] = [];
    if (cursor) {
      sets = await client.findSubmissionSets(call, new Date(Date.parse(cursor) - CURSOR_OVERLAP_MS));
      // A submission set without document members changed something else (an ITI-57 status update: archive, delete,
      // by anyone): the incremental path cannot see what, so the list is searched again (same 2-year window).
      if (sets.some((s) => s.documentUuids.length === 0)) cursor = null;
    }
    if (!cursor) {
      const from = this.initialFrom(startedAt, INITIAL_SEARCH_YEARS * 12);
      const entries = await this.findAndStore(uid, call, from, {
        replaceAll: true,
        cursor: startedAt.toISOString(),
        initialFrom: from.toISOString(),
      });
      this.audit.append({
        actor,
        action: 'dmp.list',
        subject: uid,
        details: this.auditDetails(call, { mode: sets.length ? 'complet' : 'initial', documents: entries.length }),
      });
      this.changed(uid);
      return `${entries.length} document${entries.length > 1 ? 's' : ''} des deux dernières années.`;
    }
    const announced = [...new Set(sets.flatMap((s) => s.documentUuids))];
    const known = this.cache.knownEntries(uid, announced);
    const fresh = announced.filter((id) => !known.has(id));
    const entries: DmpDocumentEntry[] = [];
    for (const batch of chunk(fresh, GET_DOCUMENTS_BATCH)) entries.push(...(await client.getDocuments(call, batch)));
    this.cache.storeEntries(uid, entries, { cursor: startedAt.toISOString() });
    this.audit.append({
      actor,
      action: 'dmp.list',
      subject: uid,
      details: this.auditDetails(call, { mode: 'incremental', lots: sets.length, nouveaux: entries.length }),
    });
    if (entries.length) this.changed(uid);
    return entries.length
      ? `${entries.length} nouveau${entries.length > 1 ? 'x' : ''} document${entries.length > 1 ? 's' : ''} depuis la dernière consultation.`
      : 'Aucun nouveau document depuis la dernière consultation.';
  }

  private entry(uid: string, entryUuid: string): DmpDocumentEntry {
    const entry = this.cache.entry(uid, entryUuid);
    if (!entry) throw new CabinetError('NOT_FOUND', 'Ce document n’est pas dans la liste enregistrée : actualisez la liste du DMP.');
    return entry;
  }

  private async content(
    uid: string,
    call: DmpCall,
    entry: DmpDocumentEntry,
  ): Promise<{ mimeType: string; content: Buffer; fromCache: boolean; fetchedAt: string }> {
    const cached = this.cache.content(entry.uniqueId);
    if (cached) return { ...cached, fromCache: true };
    let retrieved: { mimeType: string; content: Buffer };
    try {
      retrieved = await this.options.client().retrieve(call, { uniqueId: entry.uniqueId, repositoryUniqueId: entry.repositoryUniqueId });
    } catch (error) {
      if (isOffline(error))
        throw new CabinetError(
          'UNAVAILABLE',
          `Le DMP est injoignable et ce document n’a pas encore été ouvert sur ce poste. ${(error as CabinetError).message}`,
        );
      throw error;
    }
    this.cache.putContent(uid, entry.uniqueId, retrieved.mimeType, retrieved.content);
    return { ...retrieved, fromCache: false, fetchedAt: this.clock().toISOString() };
  }

  /** ITI-43 (or the cache): the document, and for a CDA its level and, for level 1, the PDF. */
  async get(uid: string, entryUuid: string) {
    const actor = this.practitioner().idNatPs;
    const call = this.call(uid, actor);
    const entry = this.entry(uid, entryUuid);
    const doc = await this.content(uid, call, entry);
    const reading =
      doc.mimeType.includes('xml') || doc.content.subarray(0, 200).toString('latin1').includes('ClinicalDocument')
        ? readCda(doc.content)
        : null;
    this.audit.append({
      actor,
      action: 'dmp.read',
      subject: uid,
      details: this.auditDetails(call, { uniqueId: entry.uniqueId, cache: doc.fromCache }),
    });
    return {
      entryUuid: entry.entryUuid,
      uniqueId: entry.uniqueId,
      mimeType: doc.mimeType,
      content: doc.content,
      kind: reading?.level ?? ('autre' as const),
      pdfBase64: reading?.pdfBase64 ?? null,
      fromCache: doc.fromCache,
      fetchedAt: doc.fetchedAt,
    };
  }

  private async build(
    uid: string,
    actor: string,
    practitioner: Practitioner,
    input: FeedInput,
    replaces?: { id: CdaId; setId: CdaId; versionNumber: number },
  ) {
    if (input.pdf.length > MAX_PDF_BYTES)
      throw new CabinetError(
        'INVALID_REQUEST',
        `Le PDF est trop volumineux (${(input.pdf.length / 1048576).toFixed(1)} Mo ; 20 Mo au plus).`,
      );
    if (!Object.hasOwn(TYPE_CODES, input.type)) throw new CabinetError('INVALID_REQUEST', `Type de document inconnu : ${input.type}.`);
    if (input.confidentiality !== undefined && !Object.hasOwn(CONFIDENTIALITY_CODES, input.confidentiality))
      throw new CabinetError('INVALID_REQUEST', 'Niveau de confidentialité inconnu.');
    if (input.practiceSetting !== undefined && !Object.hasOwn(PRACTICE_SETTING_CODES, input.practiceSetting))
      throw new CabinetError('INVALID_REQUEST', 'Cadre d’exercice inconnu.');
    if (input.facilityType !== undefined && !Object.hasOwn(FACILITY_TYPE_CODES, input.facilityType))
      throw new CabinetError('INVALID_REQUEST', 'Type de structure inconnu.');
    const now = this.clock();
    let effectiveTime = now;
    if (input.date) {
      if (!isCivilDate(input.date)) throw new CabinetError('INVALID_REQUEST', 'Date du document invalide.');
      const today = todayIn(this.practice.zone(), now);
      if (input.date > today) throw new CabinetError('INVALID_REQUEST', 'La date du document ne peut pas être dans le futur.');
      // Today: now; an earlier day: noon of that day on the practice's clock (the CDA carries it with its offset).
      effectiveTime = input.date === today ? now : instantAt(input.date, this.practice.zone(), 12);
    }
    let patient: ReturnType<PatientService['get']> | null = null;
    const patients = {
      shareableIns: (u: string) => this.options.patients.shareableIns(u),
      get: (u: string, a: string) => (patient ??= this.options.patients.get(u, a)),
    };
    const built = await createCheckedCda(patients, this.options.checker(), {
      uid,
      actor,
      author: practitioner,
      pdf: input.pdf,
      type: input.type as TypeCode,
      ...(input.title ? { title: input.title } : {}),
      effectiveTime,
      ...(input.confidentiality ? { confidentiality: input.confidentiality as ConfidentialityCode } : {}),
      ...(input.practiceSetting ? { practiceSetting: input.practiceSetting as PracticeSettingCode } : {}),
      ...(input.facilityType ? { healthcareFacilityType: input.facilityType as FacilityTypeCode } : {}),
      ...(practitioner.structureId ? { structure: { id: practitioner.structureId } } : {}),
      ...(this.options.idRoot ? { idRoot: this.options.idRoot } : {}),
      ...(replaces ? { replaces } : {}),
      now,
      timeZone: this.practice.zone(),
    });
    const p = patient as ReturnType<PatientService['get']> | null;
    const patientLabel = p ? `${p.usedName ?? p.birthName} ${p.firstName}` : uid;
    return { built, patientLabel, patient: p };
  }

  private remember(preview: Preview): string {
    const now = this.clock().getTime();
    for (const [id, p] of this.previews) if (p.expiresAt < now) this.previews.delete(id);
    while (this.previews.size >= MAX_PREVIEWS) this.previews.delete(this.previews.keys().next().value as string);
    const id = randomUUID();
    this.previews.set(id, preview);
    return id;
  }

  private metadata(preview: Preview, practitioner: Practitioner, pdfBytes: number, patient: ReturnType<PatientService['get']> | null) {
    const b = preview.built;
    const ins = this.options.patients.shareableIns(preview.uid);
    return [
      {
        label: 'Patient',
        value: patient
          ? `${patient.birthName}${patient.usedName && patient.usedName !== patient.birthName ? ` (${patient.usedName})` : ''} ${patient.firstNames}, né(e) le ${patient.birthDate.split('-').reverse().join('/')}`
          : preview.patientLabel,
      },
      { label: 'INS', value: `${formatIns(ins)} — ${insOidLabel(ins.oid)}` },
      { label: 'Type de document', value: `${b.type.displayName} (${b.type.code})` },
      { label: 'Titre', value: b.title },
      { label: 'Date du document', value: `${b.effectiveTime.slice(6, 8)}/${b.effectiveTime.slice(4, 6)}/${b.effectiveTime.slice(0, 4)}` },
      {
        label: 'Auteur',
        value: `${practitioner.displayName} (${practitioner.idNatPs})${b.authorSpecialty.displayName ? ` — ${b.authorSpecialty.displayName}` : ''}`,
      },
      { label: 'Cadre d’exercice', value: b.practiceSetting.displayName ?? b.practiceSetting.code },
      { label: 'Type de structure', value: b.healthcareFacilityType.displayName ?? b.healthcareFacilityType.code },
      { label: 'Confidentialité', value: b.confidentiality.displayName ?? b.confidentiality.code },
      { label: 'Visibilité', value: visibilityLabel(preview.visibility) },
      { label: 'Format', value: `PDF encapsulé dans un CDA R2 niveau 1 (${(pdfBytes / 1024).toFixed(0)} Kio)` },
      ...(preview.replaces ? [{ label: 'Remplace', value: preview.replaces.uniqueId }] : []),
      { label: 'Identifiant du document', value: b.uniqueId },
    ];
  }

  /** Builds and self-checks the CDA, and returns the metadata the practitioner checks before « Envoyer au DMP ». */
  async previewFeed(uid: string, input: FeedInput, replacing?: string) {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    const { replaces, cdaReplaces } = replacing ? await this.replaced(uid, actor, replacing) : { replaces: null, cdaReplaces: undefined };
    const { built, patientLabel, patient } = await this.build(uid, actor, practitioner, input, cdaReplaces);
    const preview: Preview = {
      uid,
      actor,
      built,
      visibility: input.visibility ?? noVisibility,
      replaces,
      patientLabel,
      expiresAt: this.clock().getTime() + PREVIEW_TTL_MS,
    };
    const previewId = this.remember(preview);
    return {
      previewId,
      uniqueId: built.uniqueId,
      metadata: this.metadata(preview, practitioner, input.pdf.length, patient),
      expiresAt: new Date(preview.expiresAt).toISOString(),
    };
  }

  private async replaced(uid: string, actor: string, entryUuid: string) {
    const entry = this.entry(uid, entryUuid);
    if (entry.status !== 'Approved' && entry.status !== 'Archived')
      throw new CabinetError('CONFLICT', 'Ce document a déjà été remplacé ou supprimé : actualisez la liste du DMP.');
    const doc = await this.content(uid, this.call(uid, actor), entry);
    const reading = readCda(doc.content);
    if (!reading?.id || !reading.setId)
      throw new CabinetError('CONFLICT', 'Ce document n’est pas un CDA : il ne peut pas être remplacé depuis Cabinet.');
    return {
      replaces: { entryUuid: entry.entryUuid, uniqueId: entry.uniqueId },
      cdaReplaces: { id: reading.id, setId: reading.setId, versionNumber: reading.versionNumber ?? 1 },
    };
  }

  /** Feeds the DMP through the outbox: the previewed document (by its id), or one built now from the inputs. */
  async feed(uid: string, input: FeedInput | { previewId: string }) {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    let preview: Preview;
    if ('previewId' in input) {
      const found = this.previews.get(input.previewId);
      if (!found || found.expiresAt < this.clock().getTime() || found.uid !== uid || found.actor !== actor) {
        throw new CabinetError('NOT_FOUND', 'Cet aperçu n’est plus disponible : préparez le document à nouveau.');
      }
      this.options.patients.shareableIns(uid);
      this.previews.delete(input.previewId);
      preview = found;
    } else {
      const { built, patientLabel } = await this.build(uid, actor, practitioner, input);
      preview = { uid, actor, built, visibility: input.visibility ?? noVisibility, replaces: null, patientLabel, expiresAt: 0 };
    }
    return this.enqueue(preview);
  }

  /** Replaces one of the patient's documents: a new CDA (same setId, version + 1, RPLC) fed through the outbox. */
  async replace(uid: string, entryUuid: string, input: FeedInput) {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    const { replaces, cdaReplaces } = await this.replaced(uid, actor, entryUuid);
    const { built, patientLabel } = await this.build(uid, actor, practitioner, input, cdaReplaces);
    return this.enqueue({ uid, actor, built, visibility: input.visibility ?? noVisibility, replaces, patientLabel, expiresAt: 0 });
  }

  private enqueue(preview: Preview) {
    const { built, uid, actor } = preview;
    const payload: DmpFeedPayload = {
      v: 1,
      uid,
      uniqueId: built.uniqueId,
      cdaBase64: Buffer.from(built.xml, 'utf8').toString('base64'),
      visibility: preview.visibility,
      replaces: preview.replaces,
      author: actor,
      title: built.title,
      typeCode: built.type.code,
    };
    const { item } = this.options.outbox.enqueue({
      kind: DMP_FEED_KIND,
      idempotencyKey: `dmp:${built.uniqueId}`,
      summary: `${built.type.displayName} — ${preview.patientLabel}`,
      payload,
      groupKey: uid,
    });
    this.cache.recordFeed({
      uniqueId: built.uniqueId,
      patientUid: uid,
      outboxId: item.id,
      title: built.title,
      typeCode: built.type.code,
      actor,
      replaces: preview.replaces?.entryUuid ?? null,
    });
    this.audit.append({
      actor,
      action: preview.replaces ? 'dmp.replace' : 'dmp.feed',
      subject: uid,
      details: {
        uniqueId: built.uniqueId,
        type: built.type.code,
        masquePs: preview.visibility.masquePs,
        ...(preview.replaces ? { remplace: preview.replaces.uniqueId } : {}),
      },
    });
    this.options.kick?.();
    this.changed(uid);
    return {
      uniqueId: built.uniqueId,
      outboxId: item.id,
      state: item.state,
      message: 'Document prêt : il part vers le DMP (file d’envoi), même si le service est momentanément indisponible.',
    };
  }

  /** ITI-57: masking from other practitioners, visibility to the patient and legal representatives. */
  async setVisibility(uid: string, entryUuid: string, visibility: DmpVisibility) {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    const call = this.call(uid, actor);
    const entry = this.entry(uid, entryUuid);
    await this.options.client().setVisibility(call, entry, visibility);
    const updated = this.cache.updateEntry(uid, entryUuid, { visibility });
    this.audit.append({
      actor,
      action: 'dmp.visibility',
      subject: uid,
      details: this.auditDetails(call, { uniqueId: entry.uniqueId, ...visibility }),
    });
    this.changed(uid);
    return { ...(updated ?? entry), own: isOwnEntry(entry, practitioner) };
  }

  /** ITI-57: archive / unarchive, or delete (the document's author only). */
  async setStatus(uid: string, entryUuid: string, status: 'Approved' | 'Archived' | 'Deleted') {
    const practitioner = this.practitioner();
    const actor = practitioner.idNatPs;
    const call = this.call(uid, actor);
    const entry = this.entry(uid, entryUuid);
    if (status === 'Deleted' && !isOwnEntry(entry, practitioner)) {
      this.audit.append({ actor, action: 'dmp.delete_refused', subject: uid, details: { uniqueId: entry.uniqueId } });
      throw new CabinetError('CONFLICT', 'Seul l’auteur d’un document peut le supprimer du DMP.');
    }
    if (entry.status === 'Deleted' || entry.status === 'Deprecated')
      throw new CabinetError('CONFLICT', 'Ce document a déjà été remplacé ou supprimé.');
    await this.options.client().setStatus(call, entry, status);
    const updated = this.cache.updateEntry(uid, entryUuid, { status });
    const action = status === 'Deleted' ? 'dmp.delete' : status === 'Archived' ? 'dmp.archive' : 'dmp.unarchive';
    this.audit.append({ actor, action, subject: uid, details: this.auditDetails(call, { uniqueId: entry.uniqueId }) });
    this.changed(uid);
    return { ...(updated ?? entry), own: isOwnEntry(entry, practitioner) };
  }
}

export function feedView(f: FeedRecord) {
  return {
    uniqueId: f.uniqueId,
    outboxId: f.outboxId,
    state: f.state,
    title: f.title,
    typeCode: f.typeCode,
    error: f.error,
    createdAt: f.createdAt,
  };
}

/** A feed request from the contract (PDF in base64) as the service takes it. */
export function toFeedInput(request: {
  pdfBase64: string;
  type: string;
  title?: string | undefined;
  date?: string | undefined;
  visibility?: DmpVisibility | undefined;
  confidentiality?: string | undefined;
  practiceSetting?: string | undefined;
  facilityType?: string | undefined;
}): FeedInput {
  const { pdfBase64, title, date, visibility, confidentiality, practiceSetting, facilityType, type } = request;
  return {
    pdf: Buffer.from(pdfBase64, 'base64'),
    type,
    ...(title !== undefined ? { title } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(visibility !== undefined ? { visibility } : {}),
    ...(confidentiality !== undefined ? { confidentiality } : {}),
    ...(practiceSetting !== undefined ? { practiceSetting } : {}),
    ...(facilityType !== undefined ? { facilityType } : {}),
  };
}
