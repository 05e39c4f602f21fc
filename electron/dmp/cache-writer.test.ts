import { afterEach, describe, expect, it } from 'vitest';
import { dmpEntry } from '../../test/support/dmp-entries.js';
import { tempDir } from '../../test/support/fixtures.js';
import type { Keychain } from '../platform/keychain/keychain.js';
import { openStore, type Store } from '../platform/store/database.js';
import { DmpCache, entryRow } from './cache.js';
import { inlineCacheWriter, StreamedStore, workerCacheWriter, WorkerCacheWriter, type DmpCacheWriter } from './cache-writer.js';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { Credentials } from '../identity/types.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { Outbox } from '../platform/outbox/outbox.js';
import { gp } from './cda/fixtures.test-support.js';
import type { DmpClient, DmpDocumentEntry } from './client/api.js';
import { DmpService } from './service.js';

/** An encrypted store as `openStore` makes it, with its raw key kept in memory (what the caller passes to the worker). */
function keyedStore(): Store & { keyHex: string } {
  const secrets = new Map<string, string>();
  const keychain: Keychain = {
    get: (a) => secrets.get(a) ?? null,
    set: (a, s) => void secrets.set(a, s),
    delete: (a) => secrets.delete(a),
  };
  const store = openStore({ dataDir: tempDir('cabinet-dmp-writer-'), keychain });
  return { ...store, keyHex: [...secrets.values()][0]! };
}

/** The shared builder, with every entry visible to the patient and one author (what these tests were written with). */
function entry(i: number): DmpDocumentEntry {
  return dmpEntry(i, {
    visibility: { masquePs: i % 10 === 0, invisiblePatient: false, invisibleRepresentants: false },
    authors: [{ name: 'Dr Marie MARTIN', idNat: '899701000012', specialty: 'G15_10/SM26', institution: null }],
  });
}

const open: { store: Store; writer: DmpCacheWriter }[] = [];
afterEach(async () => {
  for (const { store, writer } of open.splice(0)) {
    await writer.close();
    store.close();
  }
});

function setup(kind: 'worker' | 'inline') {
  const store = keyedStore();
  const cache = new DmpCache(store.db, () => new Date('2026-03-01T10:00:00.000Z'));
  const writer =
    kind === 'worker' ? new WorkerCacheWriter({ file: store.file, db: store.db, keyHex: store.keyHex }) : inlineCacheWriter(cache);
  open.push({ store, writer });
  return { store, cache, writer };
}

const UID = 'patient-a';
const chunks = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const cursorOf = (store: Store, uid = UID) =>
  store.db.prepare('SELECT cursor FROM dmp_patients WHERE patient_uid = ?').pluck().get(uid) ?? null;
const uuids = (store: Store, uid = UID) =>
  store.db.prepare('SELECT entry_uuid FROM dmp_documents WHERE patient_uid = ? ORDER BY entry_uuid').pluck().all(uid) as string[];

/** 250 entries: #5 replaces #200 (RPLC); #7 and #8 share a logicalId (two metadata versions). */
function answer(): DmpDocumentEntry[] {
  const list = Array.from({ length: 250 }, (_, i) => entry(i));
  list[5] = { ...list[5]!, replaces: list[200]!.entryUuid };
  list[8] = { ...list[8]!, logicalId: list[7]!.logicalId };
  return list;
}

async function streamed(
  writer: DmpCacheWriter,
  uid: string,
  entries: DmpDocumentEntry[],
  options: { replaceAll?: boolean; cursor?: string; initialFrom?: string },
) {
  const stream = new StreamedStore(writer, uid, '2026-03-01T10:00:00.000Z');
  for (const c of chunks(entries, 100)) stream.onDocuments(c);
  await stream.done(entries, options);
}

describe.each(['worker', 'inline'] as const)('DMP cache writer (%s)', (kind) => {
  it('stores a streamed full refresh exactly as storeEntries does (rows, sweep, deprecations, cursor)', async () => {
    const { store, cache, writer } = setup(kind);
    const entries = answer();
    // Rows of an earlier refresh: one the DMP no longer answers (swept), one answered again.
    cache.storeEntries(UID, [entry(900), entries[0]!], { replaceAll: true, cursor: '2026-01-01T00:00:00.000Z' });
    await streamed(writer, UID, entries, { replaceAll: true, cursor: '2026-03-01T09:59:00.000Z', initialFrom: '2024-03-01T00:00:00.000Z' });
    cache.storeEntries('reference', entries, {
      replaceAll: true,
      cursor: '2026-03-01T09:59:00.000Z',
      initialFrom: '2024-03-01T00:00:00.000Z',
    });
    const all = { statuses: ['Approved', 'Archived', 'Deprecated'] as const, limit: 5000 };
    expect(cache.list(UID, { ...all, statuses: [...all.statuses] })).toEqual(
      cache.list('reference', { ...all, statuses: [...all.statuses] }),
    );
    expect(uuids(store)).toHaveLength(250);
    expect(uuids(store)).not.toContain(entry(900).entryUuid);
    expect(cache.entry(UID, entries[200]!.entryUuid)?.status).toBe('Deprecated');
    expect(cache.list(UID, { limit: 5000 }).total).toBe(cache.list('reference', { limit: 5000 }).total);
    expect(cache.state(UID)).toMatchObject({
      cursor: '2026-03-01T09:59:00.000Z',
      initialFrom: '2024-03-01T00:00:00.000Z',
      listFetchedAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('a failing chunk: French error, that chunk wholly rolled back, earlier chunks kept, no sweep and the cursor unmoved', async () => {
    const { store, cache, writer } = setup(kind);
    cache.storeEntries(UID, [entry(900)], { replaceAll: true, cursor: '2026-01-01T00:00:00.000Z' });
    const entries = answer();
    // The 150th entry breaks the second chunk (status outside the table's CHECK).
    entries[150] = { ...entries[150]!, status: 'Inconnu' as DmpDocumentEntry['status'] };
    const error = await streamed(writer, UID, entries, { replaceAll: true, cursor: '2026-03-01T09:59:00.000Z' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'DMP : la liste des documents n’a pas pu être enregistrée dans la base locale.',
    });
    const kept = uuids(store);
    // Chunk 1 (0–99) committed, chunk 2 (100–199) not at all; the old row is not swept.
    expect(kept).toContain(entries[99]!.entryUuid);
    expect(kept.filter((u) => entries.slice(100, 200).some((e) => e.entryUuid === u))).toEqual([]);
    expect(kept).toContain(entry(900).entryUuid);
    expect(cursorOf(store)).toBe('2026-01-01T00:00:00.000Z');
  });

  it('a chunk row is the same row as storeEntries writes', () => {
    const e = entry(3);
    expect(entryRow(UID, e, 'T')).toMatchObject({
      patient_uid: UID,
      entry_uuid: e.entryUuid,
      type_code: '11506-3',
      masque_ps: 0,
      entry: JSON.stringify(e),
      fetched_at: 'T',
    });
  });
});

describe('WorkerCacheWriter', () => {
  it('a wrong key: the first write fails with the French error, the store is untouched', async () => {
    const store = keyedStore();
    const writer = new WorkerCacheWriter({ file: store.file, db: store.db, keyHex: '00'.repeat(32) });
    open.push({ store, writer });
    await expect(writer.chunk({ uid: UID, rows: [entryRow(UID, entry(1), 'T')] })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(uuids(store)).toEqual([]);
  });

  it('is made from the store (its file and second-connection set-up), or not at all without a file: the service then writes in-thread', async () => {
    expect(workerCacheWriter({ file: '/nonexistent/cabinet.db', workerPragmas: () => [] })).toBeNull();
    const store = keyedStore();
    const writer = workerCacheWriter(store);
    expect(writer).toBeInstanceOf(WorkerCacheWriter);
    open.push({ store, writer: writer! });
    await writer!.chunk({ uid: UID, rows: [entryRow(UID, entry(1), 'T')] });
    expect(uuids(store)).toEqual([entry(1).entryUuid]);
  });

  it('refuses writes after close', async () => {
    const store = keyedStore();
    const writer = new WorkerCacheWriter({ file: store.file, db: store.db, keyHex: store.keyHex });
    open.push({ store, writer });
    await writer.close();
    await expect(writer.chunk({ uid: UID, rows: [] })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

// ---------------------------------------------------------------- the service's refresh path with the writer

/** A DMP answering FindDocuments in chunks as the streaming reader does, that can fail after some chunks. */
function streamingDmp(entries: () => DmpDocumentEntry[], failAfterChunks: () => number | null): DmpClient {
  const client: Partial<DmpClient> = {
    findDocuments: async (_call, _filter, stream) => {
      const all = entries();
      const fail = failAfterChunks();
      chunks(all, 100).forEach((c, i) => {
        if (fail !== null && i >= fail) return;
        stream?.onDocuments(structuredClone(c));
      });
      if (fail !== null) throw new CabinetError('UNAVAILABLE', 'Le DMP est injoignable (réponse interrompue).');
      return all;
    },
    findSubmissionSets: async () => [],
  };
  return client as DmpClient;
}

function serviceSetup(kind: 'worker' | 'inline') {
  const { store, cache, writer } = setup(kind);
  let answer: DmpDocumentEntry[] = [];
  let failAfter: number | null = null;
  let now = new Date('2026-03-01T10:00:00.000Z');
  const credentials = {
    practitioner: gp,
    authentication: null,
    signature: null,
    tls: null,
    present: () => true,
    dispose: () => undefined,
  } as Credentials;
  const service = new DmpService({
    db: store.db,
    audit: new AuditLog(store.db),
    outbox: new Outbox(store.db),
    patients: {
      shareableIns: () => ({ matricule: '297022A020778', cle: '78', oid: '1.2.250.1.213.1.4.8' }) as never,
      get: () => ({}) as never,
    },
    session: { require: () => credentials, actor: gp.idNatPs },
    client: () =>
      streamingDmp(
        () => answer,
        () => failAfter,
      ),
    checker: () => {
      throw new Error('non utilisé');
    },
    clock: () => now,
    cache,
    progressive: false,
    ...(kind === 'worker' ? { cacheWriter: writer } : {}),
  });
  return {
    store,
    service,
    answer: (e: DmpDocumentEntry[], fail: number | null = null) => ((answer = e), (failAfter = fail)),
    advance: () => (now = new Date(now.getTime() + 3_600_000)),
  };
}

describe.each(['worker', 'inline'] as const)('DMP service refresh stored while read (%s)', (kind) => {
  it('stores the streamed answer, sweeps what the DMP no longer holds, sets the cursor last', async () => {
    const t = serviceSetup(kind);
    t.answer([entry(900), ...Array.from({ length: 50 }, (_, i) => entry(i))]);
    await t.service.list(UID);
    const first = cursorOf(t.store);
    t.advance();
    t.answer(answer());
    const listed = await t.service.list(UID, { limit: 5000 }, 'complet');
    // 250 minus #200 (replaced by #5) and #7 and #8 (one logicalId: each deprecates the other, as storeEntries does).
    expect(listed.total).toBe(247);
    expect(uuids(t.store)).toHaveLength(250);
    expect(uuids(t.store)).not.toContain(entry(900).entryUuid);
    expect(cursorOf(t.store)).not.toBe(first);
    expect(cursorOf(t.store)).toBe('2026-03-01T11:00:00.000Z');
  });

  it('an answer interrupted after two chunks: the cache still answers (offline), nothing swept, the cursor unmoved', async () => {
    const t = serviceSetup(kind);
    t.answer([entry(900), entry(0)]);
    await t.service.list(UID);
    const before = cursorOf(t.store);
    t.advance();
    t.answer(answer(), 2);
    const listed = await t.service.list(UID, { limit: 5000 }, 'complet');
    expect(listed.offline).toBe(true);
    expect(uuids(t.store)).toContain(entry(900).entryUuid);
    expect(cursorOf(t.store)).toBe(before);
  });

  it('a chunk the store refuses: French error, the cursor unmoved', async () => {
    const t = serviceSetup(kind);
    t.answer([entry(900)]);
    await t.service.list(UID);
    const before = cursorOf(t.store);
    t.advance();
    const broken = answer();
    broken[120] = { ...broken[120]!, status: 'Inconnu' as DmpDocumentEntry['status'] };
    t.answer(broken);
    await expect(t.service.list(UID, {}, 'complet')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'DMP : la liste des documents n’a pas pu être enregistrée dans la base locale.',
    });
    expect(uuids(t.store)).toContain(entry(900).entryUuid);
    expect(cursorOf(t.store)).toBe(before);
  });
});
