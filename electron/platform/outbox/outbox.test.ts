import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../../../test/support/store.js';
import { Outbox } from './outbox.js';
import { OutboxWorker, PermanentSendError } from './worker.js';

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

function setup(start = Date.parse('2026-11-23T08:00:00Z')) {
  const store = freshStore();
  stores.push(store);
  const clock = { now: start };
  const outbox = new Outbox(store.db, () => clock.now);
  const worker = new OutboxWorker(outbox, { clock: () => clock.now, backoff: { baseMs: 1000, maxMs: 8000 }, retryWindowMs: () => 60_000 });
  return { store, clock, outbox, worker };
}

const input = (key: string) => ({ kind: 'test.echo', idempotencyKey: key, summary: 'Action de test', payload: { key } });

describe('outbox', () => {
  it('keeps one row per idempotency key', () => {
    const { outbox } = setup();
    const a = outbox.enqueue(input('doc-1'));
    const b = outbox.enqueue(input('doc-1'));
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.item.id).toBe(a.item.id);
    expect(outbox.counts()).toEqual({ en_attente: 1, en_cours: 0, envoye: 0, echec: 0 });
    expect(() => outbox.enqueue({ ...input('doc-1'), kind: 'autre' })).toThrow(/déjà utilisée/);
  });

  it('sends due actions and records the result', async () => {
    const { outbox, worker } = setup();
    const sent: unknown[] = [];
    worker.register('test.echo', async (item) => {
      sent.push(item.payload);
      return { accuse: 'ok' };
    });
    const { item } = outbox.enqueue(input('doc-1'));
    await worker.drain();
    await worker.stop();
    expect(sent).toEqual([{ key: 'doc-1' }]);
    expect(outbox.get(item.id)).toMatchObject({ state: 'envoye', attempts: 1, lastError: null });
    expect(outbox.resultOf(item.id)).toEqual({ accuse: 'ok' });
  });

  it('retries with backoff, then succeeds', async () => {
    const { outbox, worker, clock } = setup();
    let calls = 0;
    worker.register('test.echo', async () => {
      calls += 1;
      if (calls < 3) throw new Error('Service DMP indisponible');
    });
    const { item } = outbox.enqueue(input('doc-2'));
    await worker.drain();
    expect(outbox.get(item.id)).toMatchObject({ state: 'en_attente', attempts: 1, lastError: 'Service DMP indisponible' });
    // Not due yet: nothing happens.
    await worker.drain();
    expect(calls).toBe(1);
    clock.now += 1000;
    await worker.drain();
    expect(outbox.get(item.id)).toMatchObject({ state: 'en_attente', attempts: 2 });
    clock.now += 2000;
    await worker.drain();
    await worker.stop();
    expect(calls).toBe(3);
    expect(outbox.get(item.id)).toMatchObject({ state: 'envoye', attempts: 3 });
  });

  it('stops retrying after the retry window and on permanent errors; "Réessayer" brings it back', async () => {
    const { outbox, worker, clock } = setup();
    worker.register('test.echo', async (item) => {
      if ((item.payload as { key: string }).key === 'refuse') throw new PermanentSendError('Document refusé par le DMP');
      throw new Error('réseau coupé');
    });
    const refused = outbox.enqueue(input('refuse')).item;
    const flaky = outbox.enqueue(input('flaky')).item;
    await worker.drain();
    expect(outbox.get(refused.id)).toMatchObject({ state: 'echec', lastError: 'Document refusé par le DMP' });
    clock.now += 61_000;
    await worker.drain();
    expect(outbox.get(flaky.id)).toMatchObject({ state: 'echec', lastError: 'réseau coupé' });
    expect(outbox.retryNow(flaky.id)).toMatchObject({ state: 'en_attente' });
    expect(() => outbox.retryNow(9999)).toThrow(/n’existe pas/);
    await worker.stop();
  });

  it('marks an unknown kind as failed with a French reason', async () => {
    const { outbox, worker } = setup();
    const { item } = outbox.enqueue({ ...input('x'), kind: 'inconnu' });
    await worker.drain();
    await worker.stop();
    expect(outbox.get(item.id)).toMatchObject({ state: 'echec', lastError: expect.stringContaining('Aucun service') });
  });

  it('puts back an action whose sending process died', () => {
    const { store, outbox } = setup();
    const { item } = outbox.enqueue(input('doc-3'));
    expect(outbox.claimNext()?.id).toBe(item.id);
    // Our own live lease is respected…
    expect(outbox.recoverStale()).toBe(0);
    // …a dead owner's is not (pid 2^22+1 does not exist on Linux).
    store.db.prepare('UPDATE outbox SET lease_owner = ? WHERE id = ?').run(`${outbox.owner.split('#')[0]}#4194305`, item.id);
    expect(outbox.recoverStale()).toBe(1);
    expect(outbox.get(item.id)).toMatchObject({ state: 'en_attente', attempts: 1 });
  });
});
