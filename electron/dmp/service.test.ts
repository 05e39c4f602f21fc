/**
 * The DMP service against an in-memory DMP written here. The fake is honest
 * about what the service relies on: authorisation (or bris de glace with a
 * reason) for consultation, a blocked practitioner always refused, MASQUE_PS
 * hidden from others, ≤ 20 UUIDs per GetDocuments, a duplicate uniqueId is
 * `already` only for the same document, deletion by the author only, ITI-57
 * gives a new entryUUID and deprecates the old one, and it can be offline or
 * lose its answer after storing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { Practitioner } from '../../shared/domain/practitioner.js';
import { practiceClock, type PracticeZone } from '../../shared/domain/civil-date.js';
import { freshStore } from '../../test/support/store.js';
import type { Credentials } from '../identity/types.js';
import { PatientService, type InsiLookup } from '../patients/service.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { Outbox } from '../platform/outbox/outbox.js';
import { OutboxWorker } from '../platform/outbox/worker.js';
import { gp, nurse, pdf } from './cda/fixtures.test-support.js';
import { CdaSelfCheck } from './cda/self-check.js';
import type {
  DmpCall,
  DmpClient,
  DmpDocumentEntry,
  DmpFeedDocument,
  DmpFindFilter,
  DmpStatus,
  DmpSubmissionSet,
  DmpVisibility,
} from './client/api.js';
import { createDmpFeedSender, isTransient } from './sender.js';
import { ageLabel, DMP_FEED_KIND, DmpService, GET_DOCUMENTS_BATCH } from './service.js';

const INS = { matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' };

// ---------------------------------------------------------------- the fake DMP

interface StoredDoc {
  entry: DmpDocumentEntry;
  content: Buffer;
  author: string;
}

class FakeDmp implements DmpClient {
  readonly patients = new Map<string, { status: DmpStatus; blocked: Set<string>; docs: StoredDoc[]; sets: DmpSubmissionSet[] }>();
  offline = false;
  /** Store the next feed, then fail as if the answer was lost. */
  loseNextAnswer = false;
  /** The next feed fails with this error before storing anything. */
  nextFeedError: CabinetError | null = null;
  readonly calls: { op: string; purpose: string; reason?: string; size?: number }[] = [];
  /** Who the (fake) VIHF says is calling: the session's practitioner. */
  constructor(
    private readonly whoAmI: () => string,
    private readonly now: () => Date,
  ) {}

  open(value: string, status: Partial<DmpStatus> = {}) {
    this.patients.set(value, {
      status: {
        exists: true,
        closed: false,
        espaceSanteActive: true,
        authorization: 'NON_EXISTE',
        medecinTraitant: false,
        authorizationEnd: null,
        ...status,
      },
      blocked: new Set(),
      docs: [],
      sets: [],
    });
  }

  private dmp(call: DmpCall, op: string, consult: boolean) {
    this.calls.push({ op, purpose: call.purpose ?? 'normal', ...(call.reason ? { reason: call.reason } : {}) });
    if (this.offline) throw new CabinetError('UNAVAILABLE', 'Le DMP est injoignable (délai dépassé).');
    if (!/^[0-9A-Z]{13}\d{2}$/.test(call.ins.value))
      throw new CabinetError('CHECK_FAILED', 'INS invalide.', { codes: ['XDSUnknownPatientId'] });
    const dmp = this.patients.get(call.ins.value);
    if (!dmp) throw new CabinetError('CONFLICT', 'Ce patient n’a pas de DMP.', { codes: ['DMPNotFound'] });
    if (dmp.blocked.has(this.whoAmI()))
      throw new CabinetError('CONFLICT', 'Le patient vous a interdit l’accès à son DMP.', { codes: ['DMPAccessDenied'] });
    if (consult) {
      if (dmp.status.closed) throw new CabinetError('CONFLICT', 'Le DMP de ce patient est fermé.', { codes: ['DMPClosed'] });
      const emergency = call.purpose === 'bris_de_glace' || call.purpose === 'centre_15';
      if (emergency && (call.reason ?? '').length < 10)
        throw new CabinetError('CHECK_FAILED', 'Raison du bris de glace absente.', { codes: ['DMPInvalidRequest'] });
      if (!emergency && dmp.status.authorization !== 'VALIDE')
        throw new CabinetError('CONFLICT', 'Vous n’êtes pas autorisé(e) à consulter ce DMP.', { codes: ['DMPAccessDenied'] });
    }
    return dmp;
  }

  private visible(dmp: { docs: StoredDoc[] }) {
    return dmp.docs.filter((d) => !d.entry.visibility.masquePs || d.author === this.whoAmI());
  }

  async status(call: DmpCall) {
    if (this.offline) {
      this.calls.push({ op: 'status', purpose: call.purpose ?? 'normal' });
      throw new CabinetError('UNAVAILABLE', 'Le DMP est injoignable.');
    }
    if (!this.patients.has(call.ins.value))
      return {
        exists: false,
        closed: false,
        espaceSanteActive: false,
        authorization: 'NON_EXISTE' as const,
        medecinTraitant: false,
        authorizationEnd: null,
      };
    const dmp = this.dmp(call, 'status', false);
    return { ...dmp.status };
  }

  async addAuthorization(call: DmpCall) {
    const dmp = this.dmp(call, 'addAuthorization', false);
    if (dmp.status.authorization === 'INTERDIT')
      throw new CabinetError('CONFLICT', 'Accès interdit par le patient.', { codes: ['DMPAccessDenied'] });
    dmp.status = { ...dmp.status, authorization: 'VALIDE', authorizationEnd: '2027-11-23T00:00:00Z' };
    return { ...dmp.status };
  }

  async findDocuments(call: DmpCall, filter: DmpFindFilter) {
    const dmp = this.dmp(call, 'findDocuments', true);
    this.lastFilter = filter;
    const statuses = filter.status ?? ['Approved'];
    return this.visible(dmp)
      .filter(
        (d) =>
          statuses.includes(d.entry.status) && (!filter.serviceFrom || (d.entry.serviceStart ?? '') >= filter.serviceFrom.toISOString()),
      )
      .map((d) => structuredClone(d.entry));
  }
  lastFilter: DmpFindFilter | null = null;

  async findSubmissionSets(call: DmpCall, since: Date) {
    const dmp = this.dmp(call, 'findSubmissionSets', true);
    this.lastSince = since;
    return dmp.sets.filter((s) => (s.submissionTime ?? '') >= since.toISOString()).map((s) => structuredClone(s));
  }
  lastSince: Date | null = null;

  async getDocuments(call: DmpCall, entryUuids: string[]) {
    const dmp = this.dmp(call, 'getDocuments', true);
    this.calls.at(-1)!.size = entryUuids.length;
    if (entryUuids.length > 20) throw new CabinetError('CHECK_FAILED', 'Trop d’identifiants.', { codes: ['XDSTooManyResults'] });
    const wanted = new Set(entryUuids);
    return this.visible(dmp)
      .filter((d) => wanted.has(d.entry.entryUuid))
      .map((d) => structuredClone(d.entry));
  }

  async retrieve(call: DmpCall, doc: { uniqueId: string; repositoryUniqueId: string }) {
    const dmp = this.dmp(call, 'retrieve', true);
    const found = this.visible(dmp).find((d) => d.entry.uniqueId === doc.uniqueId);
    if (!found) throw new CabinetError('NOT_FOUND', 'Document introuvable dans le DMP.', { codes: ['XDSDocumentUniqueIdError'] });
    return { mimeType: found.entry.mimeType, content: Buffer.from(found.content) };
  }

  /** Registers a document as the DMP would (used to seed and by `feed`). */
  register(
    value: string,
    content: Buffer,
    author: { idNat: string; name: string },
    fields: Partial<DmpDocumentEntry> = {},
    submissionTime = this.now().toISOString(),
  ) {
    const dmp = this.patients.get(value)!;
    const entry: DmpDocumentEntry = {
      entryUuid: `urn:uuid:${randomUUID()}`,
      uniqueId: `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`,
      repositoryUniqueId: '1.2.250.1.213.1.1.1.1',
      status: 'Approved',
      title: 'Document',
      type: { code: '11488-4', scheme: '2.16.840.1.113883.6.1', display: 'Compte rendu de consultation' },
      class: null,
      format: null,
      confidentiality: [],
      visibility: { masquePs: false, invisiblePatient: false, invisibleRepresentants: false },
      mimeType: 'text/xml',
      creationTime: submissionTime,
      serviceStart: submissionTime,
      serviceStop: null,
      submissionTime,
      authors: [{ name: author.name, idNat: author.idNat, specialty: null, institution: null }],
      size: content.length,
      hash: createHash('sha1').update(content).digest('hex'),
      logicalId: `urn:uuid:${randomUUID()}`,
      version: '1',
      replaces: null,
      ...fields,
    };
    dmp.docs.push({ entry, content, author: author.idNat });
    dmp.sets.push({
      entryUuid: `urn:uuid:${randomUUID()}`,
      uniqueId: `2.25.${Date.now()}${dmp.sets.length}`,
      submissionTime,
      documentUuids: [entry.entryUuid],
    });
    return entry;
  }

  async feed(call: DmpCall, doc: DmpFeedDocument) {
    const dmp = this.dmp(call, 'feed', false);
    if (dmp.status.closed)
      throw new CabinetError('CONFLICT', 'Le DMP de ce patient est fermé : il ne peut plus être alimenté.', { codes: ['DMPClosed'] });
    if (this.nextFeedError) {
      const error = this.nextFeedError;
      this.nextFeedError = null;
      throw error;
    }
    const xml = doc.cda.toString('utf8');
    if (!xml.includes(`extension="${call.ins.value}"`))
      throw new CabinetError('CHECK_FAILED', 'L’INS des métadonnées ne correspond pas à celui du document.', {
        codes: ['XDSPatientIdDoesNotMatch'],
      });
    const existing = dmp.docs.find((d) => d.entry.uniqueId === doc.uniqueId);
    if (existing) {
      if (existing.content.equals(doc.cda))
        return { outcome: 'already' as const, uniqueId: doc.uniqueId, submissionSetUniqueId: 'inconnu' };
      throw new CabinetError('CHECK_FAILED', 'Un autre document porte déjà cet identifiant.', {
        codes: ['XDSDuplicateUniqueIdInRegistry'],
      });
    }
    const title = /<title>([^<]*)<\/title>/.exec(xml)?.[1] ?? '';
    const entry = this.register(
      call.ins.value,
      Buffer.from(doc.cda),
      { idNat: this.whoAmI(), name: 'Auteur' },
      { uniqueId: doc.uniqueId, title, visibility: doc.visibility },
    );
    if (doc.replaces) {
      const old = dmp.docs.find((d) => d.entry.entryUuid === doc.replaces!.entryUuid);
      if (old) old.entry.status = 'Deprecated';
      entry.replaces = doc.replaces.entryUuid;
    }
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new CabinetError('UNAVAILABLE', 'Le DMP n’a pas répondu à temps.');
    }
    return { outcome: 'created' as const, uniqueId: doc.uniqueId, submissionSetUniqueId: dmp.sets.at(-1)!.uniqueId };
  }

  async setVisibility(call: DmpCall, entry: DmpDocumentEntry, visibility: DmpVisibility) {
    const dmp = this.dmp(call, 'setVisibility', true);
    const doc = dmp.docs.find((d) => d.entry.entryUuid === entry.entryUuid && d.entry.status === 'Approved');
    if (!doc) throw new CabinetError('CONFLICT', 'Version du document périmée.', { codes: ['XDSMetadataVersionError'] });
    doc.entry.status = 'Deprecated';
    this.register(
      call.ins.value,
      doc.content,
      { idNat: doc.author, name: 'Auteur' },
      {
        ...structuredClone(doc.entry),
        entryUuid: `urn:uuid:${randomUUID()}`,
        status: 'Approved',
        visibility,
        version: String(Number(doc.entry.version) + 1),
      },
    );
  }

  async setStatus(call: DmpCall, entry: DmpDocumentEntry, status: 'Archived' | 'Deleted' | 'Approved') {
    const dmp = this.dmp(call, 'setStatus', true);
    const doc = dmp.docs.find((d) => d.entry.entryUuid === entry.entryUuid);
    if (!doc) throw new CabinetError('NOT_FOUND', 'Document introuvable.', { codes: ['XDSUnknownDocument'] });
    if (status === 'Deleted' && doc.author !== this.whoAmI())
      throw new CabinetError('CONFLICT', 'Seul l’auteur peut supprimer ce document.', { codes: ['DMPDeleteForbidden'] });
    doc.entry.status = status;
    // UpdateAvailabilityStatus: a submission set whose member is an association, not a document.
    dmp.sets.push({
      entryUuid: `urn:uuid:${randomUUID()}`,
      uniqueId: `2.25.${Date.now()}${dmp.sets.length}`,
      submissionTime: this.now().toISOString(),
      documentUuids: [],
    });
  }

  documents(value: string) {
    return this.patients.get(value)?.docs ?? [];
  }
}

// ---------------------------------------------------------------- set-up

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));
const checker = new CdaSelfCheck();
afterAll(() => checker.close());

function credentialsOf(practitioner: Practitioner): Credentials {
  return { practitioner, authentication: null, signature: null, tls: null, present: () => true, dispose: () => undefined };
}

function insiReturning(ins: { matricule: string; cle: string; oid: string }): InsiLookup {
  const outcome = {
    cr: '00' as const,
    label: 'Identité trouvée',
    attempts: [{ prenom: 'DOMINIQUE', cr: '00' }],
    individu: {
      ins,
      history: [],
      traits: {
        nomNaissance: 'ADRTROIS',
        prenom: 'DOMINIQUE',
        listePrenoms: 'DOMINIQUE',
        sexe: 'F',
        dateNaissance: '1997-02-26',
        lieuNaissance: '2A020',
      },
    },
  };
  return { byTraits: async () => outcome, byVitale: async () => outcome };
}

async function setup(options: { progressive?: boolean; zone?: PracticeZone; start?: string } = {}) {
  const store = freshStore();
  stores.push(store);
  let now = new Date(options.start ?? '2026-11-23T05:00:00Z');
  const clock = () => now;
  const practice = practiceClock(options.zone ?? 'Europe/Paris', clock);
  const audit = new AuditLog(store.db, clock);
  const outbox = new Outbox(store.db, () => now.getTime());
  let insi = insiReturning(INS);
  const patients = new PatientService(store.db, audit, 'sandbox', () => insi, undefined, practice);
  const traits = { birthName: 'Adrtrois', firstNames: 'Dominique', sex: 'F' as const, birthDate: '1997-02-26' };
  const qualify = async (ins = INS, document = true) => {
    insi = insiReturning(ins);
    const lookup = await patients.lookupTraits(traits, undefined, 'test');
    const p = patients.acceptInsi(lookup.lookupId, undefined, 'test');
    return document ? patients.recordDocument(p.uid, 'CNI', '2026-11-01', 'test').uid : p.uid;
  };
  let current: Practitioner | null = gp;
  const session = {
    require: () => {
      if (!current) throw new CabinetError('SESSION_REQUIRED', 'Connectez-vous.');
      return credentialsOf(current);
    },
    get actor() {
      return current?.idNatPs ?? 'systeme';
    },
  };
  const dmp = new FakeDmp(() => current?.idNatPs ?? '', clock);
  const changes: string[] = [];
  const service = new DmpService({
    db: store.db,
    audit,
    outbox,
    patients,
    session,
    client: () => dmp,
    checker: () => checker,
    practice,
    onChange: (uid) => changes.push(uid),
    ...(options.progressive !== undefined ? { progressive: options.progressive } : {}),
  });
  const worker = new OutboxWorker(outbox, { clock: () => now.getTime() });
  worker.register(DMP_FEED_KIND, createDmpFeedSender({ client: () => dmp, patients, session, cache: service.cache, audit }));
  return {
    store,
    audit,
    outbox,
    patients,
    service,
    worker,
    dmp,
    changes,
    qualify,
    login: (p: Practitioner | null) => (current = p),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
    now: () => now,
    actions: () => audit.list(500).entries.map((e) => e.action),
  };
}

const value = `${INS.matricule}${INS.cle}`;
const cdaOf = (title: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2.3" extension="${title}"/><setId root="1.2.3" extension="s-${title}"/><versionNumber value="1"/><title>${title}</title><component><nonXMLBody><text mediaType="application/pdf" representation="B64">${pdf(64).toString('base64')}</text></nonXMLBody></component></ClinicalDocument>`,
  );

// ---------------------------------------------------------------- tests

describe('DMP service — consultation', () => {
  it('first searches the last two years, then only what was submitted since, by batches of 20', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const author = { idNat: '810000000099', name: 'Dr Jean DURAND' };
    t.dmp.register(value, cdaOf('ancien'), author, { title: 'Trop ancien' }, '2023-06-01T10:00:00.000Z');
    for (let i = 0; i < 3; i += 1)
      t.dmp.register(value, cdaOf(`r${i}`), author, { title: `Récent ${i}` }, `2026-0${i + 1}-15T10:00:00.000Z`);

    const first = await t.service.list(uid);
    expect(t.dmp.lastFilter).toEqual({ status: ['Approved'], serviceFrom: new Date('2024-11-23T05:00:00Z') });
    expect(first).toMatchObject({ total: 3, offline: false, fetchedAt: '2026-11-23T05:00:00.000Z', access: null });
    expect(first.entries.map((e) => e.title)).toEqual(['Récent 2', 'Récent 1', 'Récent 0']);
    expect(first.entries.every((e) => !e.own)).toBe(true);

    // 45 new documents since: FindSubmissionSets since the last call, then GetDocuments by 20 for those not cached.
    t.advance(3600_000);
    for (let i = 0; i < 45; i += 1)
      t.dmp.register(value, cdaOf(`n${i}`), author, {
        title: `Nouveau ${i}`,
        creationTime: new Date(t.now().getTime() - i * 1000).toISOString(),
      });
    t.dmp.calls.length = 0;
    const second = await t.service.list(uid, { limit: 10 });
    expect(t.dmp.lastSince!.getTime()).toBe(new Date('2026-11-23T05:00:00Z').getTime() - 5 * 60_000);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findSubmissionSets', 'getDocuments', 'getDocuments', 'getDocuments']);
    expect(t.dmp.calls.filter((c) => c.op === 'getDocuments').map((c) => c.size)).toEqual([GET_DOCUMENTS_BATCH, GET_DOCUMENTS_BATCH, 5]);
    expect(second).toMatchObject({ total: 48, offline: false, message: expect.stringContaining('45 nouveaux documents') });
    expect(second.entries[0]!.title).toBe('Nouveau 0');

    // Nothing new: no GetDocuments at all.
    t.advance(60_000);
    t.dmp.calls.length = 0;
    await t.service.list(uid);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findSubmissionSets']);
    expect(
      t.audit
        .list(50)
        .entries.filter((e) => e.action === 'dmp.list')
        .map((e) => e.details?.mode),
    ).toEqual(['incremental', 'incremental', 'initial']);
  });

  it('first opening of a large DMP: the newest documents of a recent window at once, the full 2-year search in the background', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const author = { idNat: '810000000099', name: 'Dr Jean DURAND' };
    const day = 86_400_000;
    // 60 documents of the last two months, 100 from 7 to 20 months ago, 1 older than two years.
    for (let i = 0; i < 60; i += 1)
      t.dmp.register(value, cdaOf(`r${i}`), author, { title: `Récent ${i}` }, new Date(t.now().getTime() - (i + 1) * day).toISOString());
    for (let i = 0; i < 100; i += 1)
      t.dmp.register(
        value,
        cdaOf(`o${i}`),
        author,
        { title: `Ancien ${i}` },
        new Date(t.now().getTime() - (210 + i * 4) * day).toISOString(),
      );
    t.dmp.register(value, cdaOf('trop'), author, { title: 'Trop ancien' }, '2023-06-01T10:00:00.000Z');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const find = t.dmp.findDocuments.bind(t.dmp);
    const windows: string[] = [];
    t.dmp.findDocuments = async (call, filter) => {
      windows.push(filter.serviceFrom!.toISOString());
      const found = await find(call, filter);
      if (windows.length > 1) await gate; // the full search is slow
      return found;
    };

    const first = await t.service.list(uid, { limit: 50 });
    // The 3-month window answered the screen; the 2-year search has left and waits for the DMP.
    expect(windows).toEqual(['2026-08-23T05:00:00.000Z', '2024-11-23T05:00:00.000Z']);
    expect(first).toMatchObject({
      total: 60,
      offline: false,
      fetchedAt: '2026-11-23T05:00:00.000Z',
      message: 'Les 60 documents des 3 derniers mois ; recherche sur deux ans en cours…',
    });
    expect(first.entries.map((e) => e.title)).toEqual(Array.from({ length: 50 }, (_, i) => `Récent ${i}`));
    expect(t.changes).toEqual([]);
    expect(t.service.cache.state(uid).cursor).toBeNull();

    // While the full search runs, the panel's automatic re-read answers from the cache without asking the DMP again.
    const meanwhile = await t.service.list(uid, { limit: 50 });
    expect(meanwhile).toMatchObject({ total: 60, message: expect.stringMatching(/en cours/) });
    expect(windows).toHaveLength(2);

    release();
    await t.service.searched(uid);
    expect(t.changes).toEqual([uid]);
    const state = t.service.cache.state(uid);
    expect(state).toMatchObject({ cursor: '2026-11-23T05:00:00.000Z', initialFrom: '2024-11-23T05:00:00.000Z' });
    expect(t.service.cache.list(uid, { limit: 500 }).total).toBe(160);
    expect(
      t.audit
        .list(50)
        .entries.filter((e) => e.action === 'dmp.list')
        .map((e) => e.details?.mode),
    ).toEqual(['initial', 'cache', 'recent']);

    // Then the incremental path, as before.
    t.advance(60_000);
    t.dmp.calls.length = 0;
    await t.service.list(uid);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findSubmissionSets']);
  });

  it('when the background search fails, the panel is told, and the next refresh searches the two years again', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const author = { idNat: '810000000099', name: 'Dr Jean DURAND' };
    for (let i = 0; i < 55; i += 1)
      t.dmp.register(
        value,
        cdaOf(`r${i}`),
        author,
        { title: `Récent ${i}` },
        new Date(t.now().getTime() - (i + 1) * 3600_000).toISOString(),
      );
    t.dmp.register(value, cdaOf('vieux'), author, { title: 'Vieux' }, '2025-06-01T10:00:00.000Z');
    const find = t.dmp.findDocuments.bind(t.dmp);
    let calls = 0;
    t.dmp.findDocuments = async (call, filter) => {
      calls += 1;
      if (calls === 2) throw new CabinetError('UNAVAILABLE', 'Le DMP est injoignable.');
      return find(call, filter);
    };
    expect((await t.service.list(uid)).total).toBe(55);
    await t.service.searched(uid);
    expect(t.changes).toEqual([uid]);
    expect(t.service.cache.state(uid).cursor).toBeNull();
    t.dmp.calls.length = 0;
    const again = await t.service.list(uid);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findDocuments']);
    expect(again).toMatchObject({ total: 56, message: '56 documents des deux dernières années.' });
    expect(t.service.cache.state(uid).cursor).toBe('2026-11-23T05:00:00.000Z');
  });

  it('widens the recent window until the first screen is full; a sparse DMP ends with the plain 2-year search', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const author = { idNat: '810000000099', name: 'Dr Jean DURAND' };
    const day = 86_400_000;
    for (let i = 0; i < 10; i += 1)
      t.dmp.register(value, cdaOf(`r${i}`), author, { title: `Récent ${i}` }, new Date(t.now().getTime() - (i + 1) * day).toISOString());
    for (let i = 0; i < 45; i += 1)
      t.dmp.register(
        value,
        cdaOf(`m${i}`),
        author,
        { title: `Moins récent ${i}` },
        new Date(t.now().getTime() - (100 + i) * day).toISOString(),
      );
    for (let i = 0; i < 20; i += 1)
      t.dmp.register(value, cdaOf(`o${i}`), author, { title: `Ancien ${i}` }, new Date(t.now().getTime() - (400 + i) * day).toISOString());
    const first = await t.service.list(uid, { limit: 50 });
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findDocuments', 'findDocuments', 'findDocuments']);
    expect(first.message).toBe('Les 55 documents des 6 derniers mois ; recherche sur deux ans en cours…');
    await t.service.searched(uid);
    expect(t.service.cache.list(uid).total).toBe(75);

    // A full refresh asked while nothing runs: one 2-year search, as before.
    t.dmp.calls.length = 0;
    expect((await t.service.list(uid, {}, 'complet')).total).toBe(75);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findDocuments']);

    // Sparse DMP: 3 months, 6, 12 (all under 50), then the 2-year search itself; nothing left for the background.
    const s = await setup();
    const sparse = await s.qualify();
    s.dmp.open(value, { authorization: 'VALIDE' });
    for (let i = 0; i < 5; i += 1)
      s.dmp.register(value, cdaOf(`p${i}`), author, { title: `Peu ${i}` }, new Date(s.now().getTime() - (i * 90 + 1) * day).toISOString());
    const listed = await s.service.list(sparse);
    expect(s.dmp.calls.map((c) => c.op)).toEqual(['findDocuments', 'findDocuments', 'findDocuments', 'findDocuments']);
    expect(s.dmp.lastFilter?.serviceFrom).toEqual(new Date('2024-11-23T05:00:00Z'));
    expect(listed).toMatchObject({ total: 5, message: '5 documents des deux dernières années.' });
    expect(s.service.cache.state(sparse).cursor).toBe('2026-11-23T05:00:00.000Z');

    // Not progressive (the CLI): one 2-year search, the full list at once.
    const c = await setup({ progressive: false });
    const cli = await c.qualify();
    c.dmp.open(value, { authorization: 'VALIDE' });
    for (let i = 0; i < 60; i += 1)
      c.dmp.register(value, cdaOf(`c${i}`), author, { title: `Récent ${i}` }, new Date(c.now().getTime() - (i + 1) * day).toISOString());
    c.dmp.register(value, cdaOf('c-old'), author, { title: 'Ancien' }, new Date(c.now().getTime() - 400 * day).toISOString());
    expect(await c.service.list(cli)).toMatchObject({ total: 61, message: '61 documents des deux dernières années.' });
    expect(c.dmp.calls.map((x) => x.op)).toEqual(['findDocuments']);
  });

  it('a status change made elsewhere (a submission set without documents) triggers a new 2-year search', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const other = t.dmp.register(value, cdaOf('x'), { idNat: '810000000099', name: 'Dr Jean DURAND' }, { title: 'Le sien' });
    await t.service.list(uid);
    t.advance(60_000);
    t.dmp.patients.get(value)!.docs[0]!.entry.status = 'Deleted';
    t.dmp.patients
      .get(value)!
      .sets.push({ entryUuid: 'urn:uuid:maj', uniqueId: '2.25.9', submissionTime: t.now().toISOString(), documentUuids: [] });
    t.dmp.calls.length = 0;
    const listed = await t.service.list(uid);
    expect(t.dmp.calls.map((c) => c.op)).toEqual(['findSubmissionSets', 'findDocuments']);
    expect(listed.total).toBe(0);
    expect(t.service.cache.entry(uid, other.entryUuid)).toBeNull();
    expect(t.audit.list(5).entries.find((e) => e.action === 'dmp.list')?.details).toMatchObject({ mode: 'complet' });
  });

  it('serves the cache with its age when the DMP is unreachable, and says so', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    t.dmp.register(value, cdaOf('a'), { idNat: '810000000099', name: 'Dr Jean DURAND' }, { title: 'CR' });
    t.dmp.offline = true;
    await expect(t.service.list(uid)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/injoignable et aucun document/),
    });
    await expect(t.service.status(uid)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    t.dmp.offline = false;
    await t.service.status(uid);
    await t.service.list(uid);
    const opened = await t.service.get(uid, t.service.cache.list(uid).entries[0]!.entryUuid);
    expect(opened.fromCache).toBe(false);

    t.dmp.offline = true;
    t.advance(3 * 3600_000);
    const offline = await t.service.list(uid);
    expect(offline).toMatchObject({
      offline: true,
      total: 1,
      fetchedAt: '2026-11-23T05:00:00.000Z',
      message: 'DMP injoignable : liste enregistrée il y a 3 heures.',
    });
    const status = await t.service.status(uid);
    expect(status).toMatchObject({
      offline: true,
      status: { authorization: 'VALIDE' },
      message: expect.stringMatching(/^DMP injoignable : état enregistré il y a 3 heures\. Vous êtes autorisé/),
    });
    const again = await t.service.get(uid, offline.entries[0]!.entryUuid);
    expect(again).toMatchObject({ fromCache: true, kind: 'cda-n1', pdfBase64: pdf(64).toString('base64') });
    expect(t.audit.list(100).entries.filter((e) => e.details?.hors_ligne)).toHaveLength(3);
    expect(ageLabel(30_000)).toBe('il y a moins d’une minute');
    expect(ageLabel(3 * 86_400_000)).toBe('il y a 3 jours');
  });

  it('adds the authorisation only once the consent is confirmed, and audits it', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value);
    expect((await t.service.status(uid)).message).toMatch(/pas d’autorisation.*consentement/);
    await expect(t.service.list(uid)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/pas autorisé/) });
    await expect(t.service.addAuthorization(uid, { consentConfirmed: false })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/consenti/),
    });
    const added = await t.service.addAuthorization(uid, { consentConfirmed: true });
    expect(added).toMatchObject({
      status: { authorization: 'VALIDE' },
      message: expect.stringMatching(/autorisé\(e\) à consulter ce DMP jusqu’au 23\/11\/2027/),
    });
    expect(t.audit.list(20).entries.find((e) => e.action === 'dmp.authorization')).toMatchObject({
      actor: gp.idNatPs,
      subject: uid,
      details: { consentement: true, autorisation: 'VALIDE' },
    });
    expect((await t.service.list(uid)).offline).toBe(false);
  });

  it('bris de glace: reason mandatory, audited, sent with every call, remembered for the banner', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value);
    expect(() => t.service.declareAccess(uid, 'bris_de_glace', '  urgence ')).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/raison.*10 caractères/) }),
    );
    expect(t.actions()).not.toContain('dmp.bris_de_glace');
    const access = t.service.declareAccess(uid, 'bris_de_glace', 'Patient inconscient aux urgences du cabinet');
    expect(access).toMatchObject({
      purpose: 'bris_de_glace',
      reason: 'Patient inconscient aux urgences du cabinet',
      since: '2026-11-23T05:00:00.000Z',
    });
    expect(t.audit.list(10).entries.find((e) => e.action === 'dmp.bris_de_glace')).toMatchObject({
      actor: gp.idNatPs,
      subject: uid,
      details: { raison: 'Patient inconscient aux urgences du cabinet' },
    });
    const listed = await t.service.list(uid);
    expect(listed.access).toMatchObject({ purpose: 'bris_de_glace' });
    expect(t.dmp.calls.at(-1)).toMatchObject({
      op: 'findDocuments',
      purpose: 'bris_de_glace',
      reason: 'Patient inconscient aux urgences du cabinet',
    });
    expect(t.audit.list(10).entries.find((e) => e.action === 'dmp.list')?.details).toMatchObject({ mode: 'bris_de_glace' });
    // Another practitioner on this post has not declared anything.
    t.login(nurse);
    expect(t.service.currentAccess(uid)).toBeNull();
    // A blocked practitioner stays refused, even in bris de glace.
    t.login(gp);
    t.dmp.patients.get(value)!.blocked.add(gp.idNatPs);
    await expect(t.service.list(uid, {}, 'complet')).rejects.toMatchObject({ message: expect.stringMatching(/interdit/) });
  });

  it('refuses a patient whose identity is not qualified (RECUP), in French, before calling the DMP', async () => {
    const t = await setup();
    const uid = await t.qualify(INS, false);
    t.dmp.open(value, { authorization: 'VALIDE' });
    await expect(t.service.list(uid)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/qualifiée/) });
    await expect(t.service.status(uid)).rejects.toMatchObject({ message: expect.stringMatching(/qualifiée/) });
    await expect(t.service.feed(uid, { pdf: pdf(), type: '11488-4' })).rejects.toMatchObject({
      message: expect.stringMatching(/qualifiée/),
    });
    expect(() => t.service.declareAccess(uid, 'centre_15', 'Appel du centre 15 pour ce patient')).toThrow(/qualifiée/);
    expect(t.dmp.calls).toEqual([]);
    expect(t.outbox.list()).toEqual([]);
  });

  it('requires a logged-in practitioner', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.login(null);
    await expect(t.service.list(uid)).rejects.toMatchObject({ code: 'SESSION_REQUIRED' });
  });
});

describe('DMP service — feeding through the outbox', () => {
  it('previews the metadata, then sends that very document; a lost answer is retried and gives exactly one document', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const preview = await t.service.previewFeed(uid, {
      pdf: pdf(),
      type: '11488-4',
      title: 'Consultation du 20/11',
      date: '2026-11-20',
      visibility: { masquePs: true, invisiblePatient: false, invisibleRepresentants: false },
    });
    const labels = Object.fromEntries(preview.metadata.map((m) => [m.label, m.value]));
    expect(labels).toMatchObject({
      Patient: expect.stringMatching(/^ADRTROIS DOMINIQUE, né\(e\) le 26\/02\/1997/),
      INS: '2 97 02 2A 020 778 — 78 — INS-NIR (numéro d’inscription au répertoire)',
      'Type de document': 'CR ou fiche de consultation ou de visite (11488-4)',
      Titre: 'Consultation du 20/11',
      'Date du document': '20/11/2026',
      Auteur: expect.stringContaining('Dr Marie MARTIN (899701000012)'),
      Visibilité: 'masqué aux autres professionnels',
      'Identifiant du document': preview.uniqueId,
    });
    expect(t.outbox.list()).toEqual([]);

    const queued = await t.service.feed(uid, { previewId: preview.previewId });
    expect(queued).toMatchObject({ uniqueId: preview.uniqueId, state: 'en_attente' });
    await expect(t.service.feed(uid, { previewId: preview.previewId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(t.outbox.get(queued.outboxId)).toMatchObject({
      kind: 'dmp.feed',
      idempotencyKey: `dmp:${preview.uniqueId}`,
      summary: 'CR ou fiche de consultation ou de visite — ADRTROIS DOMINIQUE',
    });

    t.dmp.loseNextAnswer = true;
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)).toMatchObject({
      state: 'en_attente',
      attempts: 1,
      lastError: expect.stringMatching(/pas répondu/),
    });
    expect(t.dmp.documents(value)).toHaveLength(1);
    t.advance(10 * 60_000);
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)).toMatchObject({ state: 'envoye', attempts: 2 });
    expect(t.outbox.resultOf(queued.outboxId)).toMatchObject({ outcome: 'already', uniqueId: preview.uniqueId });
    expect(t.dmp.documents(value).filter((d) => d.entry.uniqueId === preview.uniqueId)).toHaveLength(1);
    expect(t.dmp.documents(value)[0]!.entry.visibility.masquePs).toBe(true);
    expect(t.service.cache.feed(preview.uniqueId)).toMatchObject({ state: 'envoye', outcome: 'already', outboxState: 'envoye' });
    expect(t.actions()).toEqual(expect.arrayContaining(['dmp.feed', 'dmp.feed_sent']));

    // The next refresh brings it back as our own document.
    const listed = await t.service.list(uid);
    expect(listed.entries).toEqual([expect.objectContaining({ uniqueId: preview.uniqueId, own: true, title: 'Consultation du 20/11' })]);
    expect(listed.feeds).toEqual([expect.objectContaining({ uniqueId: preview.uniqueId, state: 'envoye' })]);
  });

  it('a feed enqueued while the DMP is down leaves once it is back; the same document twice is one action', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value);
    t.dmp.offline = true;
    const queued = await t.service.feed(uid, { pdf: pdf(), type: '11506-3' });
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)?.state).toBe('en_attente');
    expect(t.service.cache.feed(queued.uniqueId)).toMatchObject({ state: 'en_attente', error: expect.stringMatching(/injoignable/) });
    t.dmp.offline = false;
    t.advance(60_000);
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)?.state).toBe('envoye');
    expect(t.outbox.resultOf(queued.outboxId)).toMatchObject({ outcome: 'created' });
    expect(t.dmp.documents(value)).toHaveLength(1);
  });

  it('a refusal that retrying cannot fix fails at once with the DMP’s French message', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { closed: true });
    const queued = await t.service.feed(uid, { pdf: pdf(), type: '11488-4' });
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)).toMatchObject({
      state: 'echec',
      attempts: 1,
      lastError: 'Le DMP de ce patient est fermé : il ne peut plus être alimenté.',
    });
    expect(t.service.cache.feed(queued.uniqueId)).toMatchObject({ state: 'echec' });
    expect(t.actions()).toContain('dmp.feed_failed');
    expect(t.dmp.documents(value)).toHaveLength(0);

    // A busy registry is retried, a metadata error is not.
    expect(isTransient(new CabinetError('UNAVAILABLE', 'x', { codes: ['XDSRegistryBusy'] }))).toBe(true);
    expect(isTransient(new CabinetError('CHECK_FAILED', 'x', { codes: ['XDSRegistryBusy', 'XDSRegistryMetadataError'] }))).toBe(false);
    expect(isTransient(new CabinetError('UNAVAILABLE', 'délai'))).toBe(true);
    expect(isTransient(new CabinetError('CONFLICT', 'fermé'))).toBe(false);
  });

  it('waits for the author to be logged in, and refuses to send once the identity is no longer qualified', async () => {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value);
    const queued = await t.service.feed(uid, { pdf: pdf(), type: '11488-4' });
    t.login(nurse);
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)).toMatchObject({ state: 'en_attente', lastError: expect.stringMatching(/auteur se connecte/) });
    t.login(gp);
    t.patients.setAttributes(uid, ['DOUT'], 'test');
    t.advance(60_000);
    await t.worker.drain();
    expect(t.outbox.get(queued.outboxId)).toMatchObject({
      state: 'echec',
      lastError: expect.stringMatching(/^Envoi au DMP impossible : .*/),
    });
    expect(t.dmp.documents(value)).toHaveLength(0);
  });

  it('blocks a non-conformant document before anything is queued (self-check, French)', async () => {
    const t = await setup();
    const uid = await t.qualify();
    await expect(t.service.feed(uid, { pdf: Buffer.from('pas un PDF'), type: '11488-4' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/PDF/),
    });
    await expect(t.service.feed(uid, { pdf: pdf(), type: '11488-4', date: '2099-01-01' })).rejects.toMatchObject({ message: /futur/ });
    await expect(t.service.feed(uid, { pdf: pdf(), type: '99999-9' })).rejects.toMatchObject({ message: /Type de document inconnu/ });
    expect(t.outbox.list()).toEqual([]);
  });
});

describe('DMP service — dates are the practice’s dates', () => {
  // 23:30 UTC on 7 December: the practice in Paris is already on 8 December (00:30).
  const lateUtc = '2026-12-07T23:30:00Z';

  it('at 23:30 UTC, a document dated today in Paris is accepted, and dated on Paris’s calendar', async () => {
    const t = await setup({ start: lateUtc });
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    await expect(t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-12-09' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'La date du document ne peut pas être dans le futur.',
    });
    const today = await t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-12-08' });
    expect(Object.fromEntries(today.metadata.map((m) => [m.label, m.value]))['Date du document']).toBe('08/12/2026');
    // No date: now, on Paris's calendar.
    const undated = await t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4' });
    expect(undated.metadata.find((m) => m.label === 'Date du document')?.value).toBe('08/12/2026');
    // An earlier day: noon of that day in Paris.
    const earlier = await t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-12-05' });
    expect(Object.fromEntries(earlier.metadata.map((m) => [m.label, m.value]))['Date du document']).toBe('05/12/2026');
    await expect(t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-02-30' })).rejects.toMatchObject({
      message: 'Date du document invalide.',
    });
  });

  it('overseas: at the same instant it is still 7 December in Martinique', async () => {
    const t = await setup({ start: lateUtc, zone: 'America/Martinique' });
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    await expect(t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-12-08' })).rejects.toMatchObject({
      message: /futur/,
    });
    const today = await t.service.previewFeed(uid, { pdf: pdf(), type: '11488-4', date: '2026-12-07' });
    expect(Object.fromEntries(today.metadata.map((m) => [m.label, m.value]))['Date du document']).toBe('07/12/2026');
  });

  it('filters the list by the practice’s calendar days, not UTC days', async () => {
    const t = await setup({ start: lateUtc });
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const author = { idNat: '810000000099', name: 'Dr Jean DURAND' };
    // 23:10 UTC on the 7th is 00:10 on the 8th in Paris; 22:50 UTC is still the 7th.
    t.dmp.register(value, cdaOf('apres-minuit'), author, { title: 'Après minuit', creationTime: '2026-12-07T23:10:00.000Z' });
    t.dmp.register(value, cdaOf('avant-minuit'), author, { title: 'Avant minuit', creationTime: '2026-12-07T22:50:00.000Z' });
    const eighth = await t.service.list(uid, { from: '2026-12-08', to: '2026-12-08' });
    expect(eighth.entries.map((e) => e.title)).toEqual(['Après minuit']);
    const seventh = await t.service.list(uid, { from: '2026-12-07', to: '2026-12-07' });
    expect(seventh.entries.map((e) => e.title)).toEqual(['Avant minuit']);
    await expect(t.service.list(uid, { from: '2026-12-32' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('DMP service — document actions', () => {
  async function withDocuments() {
    const t = await setup();
    const uid = await t.qualify();
    t.dmp.open(value, { authorization: 'VALIDE' });
    const queued = await t.service.feed(uid, { pdf: pdf(), type: '11488-4', title: 'Mon compte rendu' });
    await t.worker.drain();
    t.dmp.register(value, cdaOf('autre'), { idNat: '810000000099', name: 'Dr Jean DURAND' }, { title: 'Le sien' });
    const listed = await t.service.list(uid);
    const mine = listed.entries.find((e) => e.uniqueId === queued.uniqueId)!;
    const theirs = listed.entries.find((e) => e.title === 'Le sien')!;
    return { t, uid, mine, theirs };
  }

  it('deletes only the practitioner’s own documents', async () => {
    const { t, uid, mine, theirs } = await withDocuments();
    expect(theirs.own).toBe(false);
    await expect(t.service.setStatus(uid, theirs.entryUuid, 'Deleted')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Seul l’auteur d’un document peut le supprimer du DMP.',
    });
    expect(t.dmp.calls.some((c) => c.op === 'setStatus')).toBe(false);
    expect(t.actions()).toContain('dmp.delete_refused');
    const deleted = await t.service.setStatus(uid, mine.entryUuid, 'Deleted');
    expect(deleted.status).toBe('Deleted');
    expect(t.dmp.documents(value).find((d) => d.entry.uniqueId === mine.uniqueId)?.entry.status).toBe('Deleted');
    expect((await t.service.list(uid, {}, 'cache')).entries.map((e) => e.title)).toEqual(['Le sien']);
    await expect(t.service.setStatus(uid, mine.entryUuid, 'Archived')).rejects.toMatchObject({ code: 'CONFLICT' });
    // Archiving is not reserved to the author.
    expect((await t.service.setStatus(uid, theirs.entryUuid, 'Archived')).status).toBe('Archived');
    expect(t.actions()).toEqual(expect.arrayContaining(['dmp.delete', 'dmp.archive']));
  });

  it('masks a document: the new metadata version replaces the old one in the cache at the next refresh', async () => {
    const { t, uid, mine } = await withDocuments();
    const masked = await t.service.setVisibility(uid, mine.entryUuid, {
      masquePs: true,
      invisiblePatient: false,
      invisibleRepresentants: true,
    });
    expect(masked.visibility).toEqual({ masquePs: true, invisiblePatient: false, invisibleRepresentants: true });
    t.advance(60_000);
    const listed = await t.service.list(uid, { visibility: 'masquees_ps' });
    expect(listed.entries).toHaveLength(1);
    expect(listed.entries[0]!.uniqueId).toBe(mine.uniqueId);
    expect(listed.entries[0]!.entryUuid).not.toBe(mine.entryUuid);
    expect(t.service.cache.entry(uid, mine.entryUuid)?.status).toBe('Deprecated');
    expect(t.audit.list(20).entries.find((e) => e.action === 'dmp.visibility')?.details).toMatchObject({
      uniqueId: mine.uniqueId,
      masquePs: true,
    });
  });

  it('opens a level-1 CDA (PDF extracted), then from the cache; replaces one with a new version (RPLC)', async () => {
    const { t, uid, mine } = await withDocuments();
    const opened = await t.service.get(uid, mine.entryUuid);
    expect(opened).toMatchObject({ kind: 'cda-n1', mimeType: 'text/xml', fromCache: false, pdfBase64: pdf().toString('base64') });
    expect(opened.content.toString('utf8')).toContain('<ClinicalDocument');
    t.dmp.calls.length = 0;
    expect((await t.service.get(uid, mine.entryUuid)).fromCache).toBe(true);
    expect(t.dmp.calls).toEqual([]);
    expect(
      t.audit
        .list(20)
        .entries.filter((e) => e.action === 'dmp.read')
        .map((e) => e.details?.cache),
    ).toEqual([true, false]);

    const replaced = await t.service.replace(uid, mine.entryUuid, { pdf: pdf(4096), type: '11488-4', title: 'Compte rendu corrigé' });
    await t.worker.drain();
    const sent = t.dmp.documents(value).find((d) => d.entry.uniqueId === replaced.uniqueId)!;
    expect(sent.entry.replaces).toBe(mine.entryUuid);
    const xml = sent.content.toString('utf8');
    expect(xml).toMatch(/<relatedDocument typeCode="RPLC">/);
    expect(xml).toMatch(/<versionNumber value="2"\/>/);
    const listed = await t.service.list(uid);
    expect(listed.entries.map((e) => e.title)).toEqual(expect.arrayContaining(['Compte rendu corrigé']));
    expect(listed.entries.map((e) => e.uniqueId)).not.toContain(mine.uniqueId);
    expect(t.actions()).toContain('dmp.replace');
  });
});
