/**
 * Patients and their identity (RNIV): creation, INSi results accepted,
 * identity-document checks, attributes, re-verification. Every access and
 * every status change is audited; the INS leaves the app only for a
 * qualified identity (`shareableIns`), enforced here, not only in the UI.
 */
import { randomUUID } from 'node:crypto';
import { CabinetError } from '../../shared/contract/outcome.js';
import {
  INS_KEY_MISMATCH_REASON,
  assertInsOidAllowed,
  assertInsShareable,
  assertTraits,
  compareTraits,
  contractTraitFields,
  highTrustDocumentLabels,
  identityStatusLabels,
  insIfShareable,
  insOidLabel,
  parseHighTrustDocument,
  setAttributes as setIdentityAttributes,
  traitsInputFromContract,
  transition,
  type IdentityEvent,
  type InsTraits,
  type InsiTraits,
} from '../../shared/domain/ins/index.js';
import type { CabinetEnvironment } from '../../shared/domain/services.js';
import { AHEAD_CHARACTERS, foldSearchTerm } from '../../shared/domain/search-ahead.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { Db } from '../platform/store/database.js';
import { PatientRepository, type InsHistoryEntry, type PatientFields, type PatientRow } from './repository.js';
import { parseMssAddress } from '../../shared/domain/mss/address.js';
import { isCivilDate, practiceClock, type PracticeClock } from '../../shared/domain/civil-date.js';

/** The stored médecin traitant → `{ address, displayName }`, or null (absent or unreadable). */
function readMedecinTraitant(json: string | null): { address: string; displayName: string } | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as { address?: unknown; displayName?: unknown };
    return typeof value.address === 'string' && typeof value.displayName === 'string'
      ? { address: value.address, displayName: value.displayName }
      : null;
  } catch {
    return null;
  }
}

export interface TraitsInput {
  birthName: string;
  usedName?: string;
  firstNames: string;
  sex: 'M' | 'F';
  birthDate: string;
  birthplace?: string;
}

/** What an INSi lookup gives the patient service (adapted from the INSi client). */
export interface InsiOutcome {
  cr: '00' | '01' | '02';
  label: string;
  attempts: { prenom: string; cr: string }[];
  individu: { ins: { matricule: string; cle: string; oid: string }; history: InsHistoryEntry[]; traits: InsiTraits } | null;
}

export interface InsiLookup {
  byTraits(traits: InsTraits): Promise<InsiOutcome>;
  byVitale(card: Buffer, beneficiaire: number): Promise<InsiOutcome>;
}

interface StoredLookup {
  outcome: InsiOutcome;
  entered: InsTraits | null;
  uid: string | null;
  expiresAt: number;
}

const LOOKUP_TTL_MS = 30 * 60_000;
const SEARCH_AUDIT_WINDOW_MS = 30_000;

export class PatientService {
  readonly repo: PatientRepository;
  /** INSi results kept server-side: accepting one sends back only its id, never INS data from the renderer. */
  private readonly lookups = new Map<string, StoredLookup>();
  private readonly searchAudit = new Map<string, { at: number; since: number }>();

  constructor(
    db: Db,
    private readonly audit: AuditLog,
    private readonly env: CabinetEnvironment,
    private readonly insi: () => InsiLookup,
    private readonly onChange: (uid: string) => void = () => undefined,
    /** The practice's clock: « today » for the document check and the birth date (civil-date.ts). */
    private readonly clock: PracticeClock = practiceClock(),
  ) {
    this.repo = new PatientRepository(db, () => this.clock.now());
  }

  summary(row: PatientRow) {
    const insLocal = row.ins_matricule
      ? { matricule: row.ins_matricule, cle: row.ins_cle!, oid: row.ins_oid!, oidLabel: insOidLabel(row.ins_oid!) }
      : null;
    const attributes = JSON.parse(row.attributes) as string[];
    return {
      uid: row.uid,
      birthName: row.birth_name,
      usedName: row.used_name,
      firstName: row.first_name,
      firstNames: row.first_names,
      sex: row.sex,
      birthDate: row.birth_date,
      birthplace: row.birthplace,
      status: row.status,
      statusLabel: identityStatusLabels[row.status],
      ins: insLocal ? insIfShareable({ status: row.status, attributes }, insLocal) : null,
      insLocal,
      attributes,
      updatedAt: row.updated_at,
    };
  }

  detail(row: PatientRow) {
    return {
      ...this.summary(row),
      insHistory: JSON.parse(row.ins_history) as InsHistoryEntry[],
      document: row.document_type
        ? {
            type: row.document_type,
            label: highTrustDocumentLabels[row.document_type as keyof typeof highTrustDocumentLabels] ?? row.document_type,
            date: row.document_date ?? '',
            checkedBy: row.document_checked_by ?? '',
          }
        : null,
      insiCheckedAt: row.insi_checked_at,
      medecinTraitant: readMedecinTraitant(row.medecin_traitant),
      history: this.repo.history(row.id).map((h) => ({ at: h.at, actor: h.actor, from: h.from_status, to: h.to_status, reason: h.reason })),
    };
  }

  private row(uid: string): PatientRow {
    const row = this.repo.byUid(uid);
    if (!row) throw new CabinetError('NOT_FOUND', 'Ce patient n’existe pas (ou plus) sur ce poste.');
    return row;
  }

  /**
   * Search as you type. The query itself may be a name: only its length and
   * the count are audited. One entry per actor and 30-second window (with the
   * number of searches since the previous entry), not one per keystroke.
   */
  /** « À réinterroger »: identities created while INSi did not answer (or never queried). Audited as a list read. */
  toRequery(actor: string) {
    const rows = this.repo.toRequery();
    this.audit.append({ actor, action: 'patient.toRequery', details: { nombre: rows.length } });
    return rows.map((r) => this.summary(r));
  }

  search(query: string, limit: number, actor: string) {
    const rows = this.repo.search(query, limit);
    this.auditSearch(actor, query.length, rows.length);
    return rows.map((r) => this.summary(r));
  }

  /**
   * The answers to the next key, computed before it is typed: for each letter
   * or digit `c`, the first `rows` patients of `search(query + c, limit)` (the
   * same query, so the same order) and how many that search finds. The screen
   * draws them within the key's own frame, then the full answer follows.
   * Audited as one search.
   */
  searchAhead(query: string, limit: number, rows: number, actor: string) {
    const base = foldSearchTerm(query);
    let found = 0;
    const next = [...AHEAD_CHARACTERS].map((c) => {
      const term = base + c;
      const matching = this.repo.search(term, limit);
      found += matching.length;
      return { term, count: matching.length, patients: matching.slice(0, rows).map((r) => this.summary(r)) };
    });
    this.auditSearch(actor, query.length + 1, found);
    return { query: base, next };
  }

  private auditSearch(actor: string, length: number, results: number): void {
    const now = Date.now();
    const window = this.searchAudit.get(actor);
    if (!window || now - window.at >= SEARCH_AUDIT_WINDOW_MS) {
      this.audit.append({
        actor,
        action: 'patient.search',
        details: { longueur: length, resultats: results, recherches: (window?.since ?? 0) + 1 },
      });
      this.searchAudit.set(actor, { at: now, since: 0 });
    } else {
      window.since += 1;
    }
  }

  get(uid: string, actor: string) {
    const row = this.row(uid);
    this.audit.append({ actor, action: 'patient.read', subject: uid });
    return this.detail(row);
  }

  create(input: TraitsInput, actor: string) {
    const traits = this.traits(input);
    const row = this.repo.insert(this.fieldsFromTraits(traits, 'PROV'), {
      actor,
      reason: 'Identité provisoire créée à partir des traits saisis',
    });
    this.audit.append({ actor, action: 'patient.create', subject: row.uid, details: { statut: 'PROV' } });
    this.onChange(row.uid);
    return this.detail(row);
  }

  private traits(input: TraitsInput): InsTraits {
    try {
      return assertTraits(traitsInputFromContract(input), { today: this.clock.today() });
    } catch (error) {
      if (error instanceof CabinetError && Array.isArray((error.details as { errors?: unknown })?.errors)) {
        const errors = (error.details as { errors: { field: string; message: string }[] }).errors.map((e) => ({
          ...e,
          field: contractTraitFields[e.field as keyof typeof contractTraitFields] ?? e.field,
        }));
        throw new CabinetError('INVALID_REQUEST', error.message, { errors });
      }
      throw error;
    }
  }

  private fieldsFromTraits(traits: InsTraits, status: PatientRow['status']): PatientFields {
    return {
      birth_name: traits.nomNaissance,
      first_name: traits.prenom,
      first_names: traits.listePrenoms,
      used_name: traits.nomUtilise ?? null,
      sex: traits.sexe as 'M' | 'F',
      birth_date: traits.dateNaissance,
      birthplace: traits.lieuNaissance ?? null,
      ins_matricule: null,
      ins_cle: null,
      ins_oid: null,
      ins_history: '[]',
      status,
      attributes: '[]',
      document_type: null,
      document_date: null,
      document_checked_by: null,
      insi_checked_at: null,
    };
  }

  private remember(outcome: InsiOutcome, entered: InsTraits | null, uid: string | null) {
    const now = Date.now();
    for (const [id, stored] of this.lookups) if (stored.expiresAt < now) this.lookups.delete(id);
    const lookupId = randomUUID();
    this.lookups.set(lookupId, { outcome, entered, uid, expiresAt: now + LOOKUP_TTL_MS });
    const differences =
      outcome.individu && entered
        ? compareTraits(entered, outcome.individu.traits).map((d) => contractTraitFields[d.field] ?? d.field)
        : [];
    return {
      lookupId,
      cr: outcome.cr,
      label: outcome.label,
      attempts: outcome.attempts,
      individu: outcome.individu
        ? {
            ins: { ...outcome.individu.ins, oidLabel: insOidLabel(outcome.individu.ins.oid) },
            history: outcome.individu.history,
            traits: {
              birthName: outcome.individu.traits.nomNaissance,
              firstName: outcome.individu.traits.prenom,
              firstNames: outcome.individu.traits.listePrenoms,
              sex: outcome.individu.traits.sexe,
              birthDate: outcome.individu.traits.dateNaissance,
              birthplace: outcome.individu.traits.lieuNaissance ?? null,
            },
          }
        : null,
      differences: [...new Set(differences)],
    };
  }

  async lookupTraits(input: TraitsInput, uid: string | undefined, actor: string) {
    const traits = this.traits(input);
    if (uid) this.row(uid);
    const outcome = await this.auditingKeyRefusal(() => this.insi().byTraits(traits), actor, 'traits', uid ?? null);
    this.audit.append({
      actor,
      action: 'ins.lookup',
      subject: uid ?? null,
      details: { mode: 'traits', cr: outcome.cr, essais: outcome.attempts.length },
    });
    return this.remember(outcome, traits, uid ?? null);
  }

  async lookupVitale(card: Buffer, beneficiaire: number, actor: string) {
    const outcome = await this.auditingKeyRefusal(() => this.insi().byVitale(card, beneficiaire), actor, 'carte_vitale', null);
    this.audit.append({ actor, action: 'ins.lookup', details: { mode: 'carte_vitale', cr: outcome.cr } });
    return this.remember(outcome, null, null);
  }

  /**
   * An INSi answer refused because an INS key is wrong (the client's check): nothing is kept (no
   * result to accept, no patient written); the refusal is audited, then passed on to the screen.
   */
  private async auditingKeyRefusal(
    run: () => Promise<InsiOutcome>,
    actor: string,
    mode: 'traits' | 'carte_vitale',
    uid: string | null,
  ): Promise<InsiOutcome> {
    try {
      return await run();
    } catch (error) {
      const reason =
        error instanceof CabinetError && error.details && typeof error.details === 'object'
          ? (error.details as { reason?: unknown }).reason
          : undefined;
      if (reason === INS_KEY_MISMATCH_REASON)
        this.audit.append({ actor, action: 'ins.lookup', subject: uid, details: { mode, refus: INS_KEY_MISMATCH_REASON } });
      throw error;
    }
  }

  /** « Accepter l’identité INSi »: the returned traits and INS are stored; status per the RNIV (→ RECUP, or QUAL after a document check). */
  acceptInsi(lookupId: string, uid: string | undefined, actor: string) {
    const stored = this.lookups.get(lookupId);
    if (!stored || stored.expiresAt < Date.now())
      throw new CabinetError('NOT_FOUND', 'Ce résultat INSi n’est plus disponible : interrogez INSi à nouveau.');
    const individu = stored.outcome.individu;
    if (stored.outcome.cr !== '00' || !individu)
      throw new CabinetError('CONFLICT', 'Seule une identité trouvée par INSi (une seule) peut être acceptée.');
    assertInsOidAllowed(individu.ins.oid, this.env);
    const targetUid = uid ?? stored.uid ?? undefined;
    const existing = this.repo.byIns(individu.ins.matricule, individu.ins.oid);
    if (existing && existing.uid !== targetUid) {
      throw new CabinetError(
        'CONFLICT',
        'Un autre patient de ce poste porte déjà cet INS : ouvrez sa fiche plutôt que d’en créer une nouvelle.',
        { uid: existing.uid },
      );
    }
    const t = individu.traits;
    const fromInsi = {
      birth_name: t.nomNaissance,
      first_name: t.prenom,
      first_names: t.listePrenoms,
      sex: t.sexe as 'M' | 'F',
      birth_date: t.dateNaissance,
      birthplace: t.lieuNaissance ?? null,
      ins_matricule: individu.ins.matricule,
      ins_cle: individu.ins.cle,
      ins_oid: individu.ins.oid,
      ins_history: JSON.stringify(individu.history),
      insi_checked_at: this.clock.now().toISOString(),
    };
    let row: PatientRow;
    if (targetUid) {
      const current = this.row(targetUid);
      const next = this.apply(current, { type: 'insi_ok' });
      row = this.repo.update(
        current,
        { ...fromInsi, status: next.status, attributes: JSON.stringify(next.attributes) },
        { actor, reason: next.reason },
      );
    } else {
      const next = this.apply({ status: 'PROV', attributes: '[]' } as PatientRow, { type: 'insi_ok' });
      row = this.repo.insert(
        {
          ...this.fieldsFromTraits(
            {
              nomNaissance: t.nomNaissance,
              prenom: t.prenom,
              listePrenoms: t.listePrenoms,
              sexe: t.sexe,
              dateNaissance: t.dateNaissance,
              ...(t.lieuNaissance ? { lieuNaissance: t.lieuNaissance } : {}),
            } as InsTraits,
            next.status,
          ),
          ...fromInsi,
        },
        { actor, reason: next.reason },
      );
    }
    this.lookups.delete(lookupId);
    this.audit.append({ actor, action: 'patient.insi_accept', subject: row.uid, details: { statut: row.status, oid: individu.ins.oid } });
    this.onChange(row.uid);
    return this.detail(row);
  }

  private apply(row: Pick<PatientRow, 'status' | 'attributes'>, event: IdentityEvent) {
    const result = transition({ status: row.status, attributes: JSON.parse(row.attributes) as string[] }, event);
    if (!result.ok) throw new CabinetError(result.code, result.message, result.details);
    return {
      status: result.value.to,
      attributes: result.value.identity.attributes,
      reason: result.value.reason,
      changed: result.value.changed,
    };
  }

  /** « Pièce d’identité contrôlée »: PROV → VALI, RECUP → QUAL. */
  recordDocument(uid: string, type: string, date: string, actor: string) {
    const parsed = parseHighTrustDocument(type);
    if (!parsed.ok) throw new CabinetError(parsed.code, parsed.message, parsed.details);
    const piece = parsed.value;
    if (!isCivilDate(date))
      throw new CabinetError('INVALID_REQUEST', 'La date du contrôle doit être une date réelle au format AAAA-MM-JJ.');
    if (date > this.clock.today()) throw new CabinetError('INVALID_REQUEST', 'La date du contrôle ne peut pas être dans le futur.');
    const current = this.row(uid);
    const next = this.apply(current, { type: 'piece_controlee', piece });
    const row = this.repo.update(
      current,
      {
        status: next.status,
        attributes: JSON.stringify(next.attributes),
        document_type: piece,
        document_date: date,
        document_checked_by: actor,
      },
      { actor, reason: next.reason },
    );
    this.audit.append({ actor, action: 'patient.document', subject: uid, details: { piece, statut: row.status } });
    this.onChange(uid);
    return this.detail(row);
  }

  setAttributes(uid: string, attributes: string[], actor: string) {
    const current = this.row(uid);
    const result = setIdentityAttributes({ status: current.status, attributes: JSON.parse(current.attributes) as string[] }, attributes);
    if (!result.ok) throw new CabinetError(result.code, result.message, result.details);
    const row = this.repo.update(
      current,
      { status: result.value.to, attributes: JSON.stringify(result.value.identity.attributes) },
      { actor, reason: result.value.reason },
    );
    this.audit.append({
      actor,
      action: 'patient.attributes',
      subject: uid,
      details: { attributs: result.value.identity.attributes, statut: row.status },
    });
    this.onChange(uid);
    return this.detail(row);
  }

  /**
   * Remembers the patient's médecin traitant (a professional MSSanté mailbox, never a patient's), or forgets it
   * with null. Not part of the identity: no status change, no history line; audited.
   */
  setMedecinTraitant(uid: string, doctor: { address: string; displayName: string } | null, actor: string) {
    const current = this.row(uid);
    let json: string | null = null;
    if (doctor) {
      const parsed = parseMssAddress(doctor.address);
      if (!parsed || parsed.kind !== 'professionnel') {
        throw new CabinetError(
          'INVALID_REQUEST',
          'Le médecin traitant doit être une adresse de messagerie sécurisée de santé professionnelle (MSSanté), choisie dans l’annuaire.',
          {
            errors: [{ field: 'medecinTraitant', message: 'Adresse MSSanté professionnelle attendue.' }],
          },
        );
      }
      const displayName =
        doctor.displayName
          .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
          .trim()
          .slice(0, 200) || parsed.address;
      json = JSON.stringify({ address: parsed.address, displayName });
    }
    const row = this.repo.setMedecinTraitant(current, json);
    this.audit.append({ actor, action: 'patient.medecin_traitant', subject: uid, details: { renseigne: json !== null } });
    this.onChange(uid);
    return this.detail(row);
  }

  /** Re-verification: a new traits lookup with the stored traits, compared with the stored INS. */
  async reverify(uid: string, actor: string) {
    const current = this.row(uid);
    if (!current.ins_matricule) throw new CabinetError('CONFLICT', 'Ce patient n’a pas encore d’INS à vérifier : interrogez INSi.');
    const traits: InsTraits = {
      nomNaissance: current.birth_name,
      prenom: current.first_name,
      listePrenoms: current.first_names,
      sexe: current.sex,
      dateNaissance: current.birth_date,
      ...(current.birthplace ? { lieuNaissance: current.birthplace } : {}),
    } as InsTraits;
    const outcome = await this.insi().byTraits(traits);
    const found = outcome.individu?.ins;
    const same =
      outcome.cr === '00' && found?.matricule === current.ins_matricule && found.cle === current.ins_cle && found.oid === current.ins_oid;
    let message: string;
    if (same) {
      this.repo.update(
        current,
        { insi_checked_at: this.clock.now().toISOString() },
        { actor, reason: 'INS vérifié auprès du téléservice INSi' },
      );
      message = 'INS confirmé par le téléservice INSi.';
    } else {
      const next = this.apply(current, { type: 'insi_perdu' });
      this.repo.update(current, { status: next.status, attributes: JSON.stringify(next.attributes) }, { actor, reason: next.reason });
      message =
        outcome.cr === '00'
          ? 'INSi renvoie un autre INS que celui enregistré : identité à revoir.'
          : `INSi ne retrouve plus cette identité (${outcome.label}) : identité à revoir.`;
    }
    this.audit.append({ actor, action: 'patient.reverify', subject: uid, details: { identique: same, cr: outcome.cr } });
    this.onChange(uid);
    return { same, message, result: this.remember(outcome, traits, uid) };
  }

  /** The INS of a patient, only if it may leave the app (DMP, MSSanté, CDA). */
  shareableIns(uid: string): { matricule: string; cle: string; oid: string } {
    const row = this.row(uid);
    assertInsShareable({ status: row.status, attributes: JSON.parse(row.attributes) as string[] });
    if (!row.ins_matricule) throw new CabinetError('CONFLICT', 'Ce patient n’a pas d’INS.');
    assertInsOidAllowed(row.ins_oid!, this.env);
    return { matricule: row.ins_matricule, cle: row.ins_cle!, oid: row.ins_oid! };
  }
}
