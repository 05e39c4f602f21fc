/**
 * The outbox in degraded mode (issue 15): stale sends taken back wherever the
 * worker runs (the CLI's drain too), actions needing the practitioner wait
 * for the login without consuming attempts, a patient's actions leave in
 * order, recovery is announced once, and an action can be cancelled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { freshStore } from '../../../test/support/store.js';
import { Outbox } from './outbox.js';
import { OutboxWorker } from './worker.js';

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

function setup(options: { session?: { ready: boolean } } = {}) {
  const store = freshStore();
  stores.push(store);
  const clock = { now: Date.parse('2026-11-23T09:40:00Z') };
  const outbox = new Outbox(store.db, () => clock.now);
  const recoveries: { count: number; at: string }[] = [];
  const session = options.session ?? { ready: true };
  const worker = new OutboxWorker(outbox, {
    clock: () => clock.now,
    backoff: { baseMs: 1000, maxMs: 8000 },
    retryWindowMs: () => 3600_000,
    sessionReady: () => session.ready,
    onRecovered: (r) => recoveries.push(r),
  });
  return { store, clock, outbox, worker, recoveries, session };
}

const input = (key: string, groupKey?: string) => ({
  kind: 'test.echo',
  idempotencyKey: key,
  summary: `Action ${key}`,
  payload: { key },
  ...(groupKey ? { groupKey } : {}),
});

describe('outbox worker, degraded mode', () => {
  it('takes back a send whose process died, from a plain drain (the CLI), and sends it once', async () => {
    const { store, outbox, worker, recoveries } = setup();
    const sent: string[] = [];
    worker.register('test.echo', async (item) => void sent.push((item.payload as { key: string }).key));
    const { item } = outbox.enqueue(input('doc-1'));
    outbox.claimNext();
    store.db.prepare('UPDATE outbox SET lease_owner = ? WHERE id = ?').run(`${outbox.owner.split('#')[0]}#4194305`, item.id);
    await worker.drain();
    expect(sent).toEqual(['doc-1']);
    expect(outbox.get(item.id)).toMatchObject({ state: 'envoye' });
    expect(recoveries).toEqual([{ count: 1, at: '2026-11-23T09:40:00.000Z' }]);
    await worker.drain();
    expect(sent).toEqual(['doc-1']);
  });

  it('waits for the login without consuming attempts', async () => {
    const { outbox, worker, session, recoveries } = setup({ session: { ready: false } });
    let calls = 0;
    worker.register('test.echo', async () => {
      calls += 1;
      if (!session.ready) throw new CabinetError('SESSION_REQUIRED', 'Connectez-vous.');
    });
    const { item } = outbox.enqueue(input('doc-2'));
    await worker.drain();
    expect(outbox.get(item.id)).toMatchObject({ state: 'en_attente', attempts: 0, nextAttemptAt: null, lastError: 'Connectez-vous.' });
    for (let i = 0; i < 3; i++) await worker.drain();
    expect(calls).toBe(1);
    session.ready = true;
    await worker.drain();
    expect(calls).toBe(2);
    expect(outbox.get(item.id)).toMatchObject({ state: 'envoye', attempts: 1 });
    expect(recoveries.map((r) => r.count)).toEqual([1]);
  });

  it('keeps a patient’s actions in order while the first one waits; others are not held', async () => {
    const { outbox, worker, clock, recoveries } = setup();
    const sent: string[] = [];
    let down = true;
    worker.register('test.echo', async (item) => {
      const key = (item.payload as { key: string }).key;
      if (down && key === 'p1-a') throw new CabinetError('UNAVAILABLE', 'DMP injoignable', { cause: 'reseau' });
      sent.push(key);
    });
    outbox.enqueue(input('p1-a', 'patient-1'));
    outbox.enqueue(input('p1-b', 'patient-1'));
    outbox.enqueue(input('p2-a', 'patient-2'));
    outbox.enqueue(input('libre'));
    await worker.drain();
    expect(sent).toEqual(['p2-a', 'libre']);
    down = false;
    clock.now += 1000;
    await worker.drain();
    expect(sent).toEqual(['p2-a', 'libre', 'p1-a', 'p1-b']);
    expect(outbox.counts()).toMatchObject({ en_attente: 0, envoye: 4 });
    // Only the held-back one is news (p1-b left on its first attempt).
    expect(recoveries.map((r) => r.count)).toEqual([1]);
  });

  it('cancels an action that has not left, never one that has', async () => {
    const { outbox, worker } = setup();
    worker.register('test.echo', async () => undefined);
    const waiting = outbox.enqueue(input('annule')).item;
    const cancelled = outbox.cancel(waiting.id);
    expect(cancelled).toMatchObject({ id: waiting.id, summary: 'Action annule' });
    expect(outbox.get(waiting.id)).toBeUndefined();
    const done = outbox.enqueue(input('parti')).item;
    await worker.drain();
    expect(() => outbox.cancel(done.id)).toThrow(/déjà parti/);
    expect(() => outbox.cancel(9999)).toThrow(/n’existe pas/);
  });

  it('drainUntilEmpty sends until the queue is empty, sleeping until the next due action', async () => {
    const { outbox, worker, clock } = setup();
    let calls = 0;
    worker.register('test.echo', async () => {
      calls += 1;
      if (calls < 3) throw new CabinetError('UNAVAILABLE', 'injoignable', { cause: 'reseau' });
    });
    outbox.enqueue(input('doc-3'));
    const sleeps: number[] = [];
    const result = await worker.drainUntilEmpty(60_000, async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    });
    expect(result).toEqual({ empty: true, sent: 1, pending: 0 });
    expect(calls).toBe(3);
    expect(sleeps.length).toBe(2);
  });

  it('drainUntilEmpty stops at the deadline and says what is left', async () => {
    const { outbox, worker, clock } = setup();
    worker.register('test.echo', async () => {
      throw new CabinetError('UNAVAILABLE', 'injoignable', { cause: 'reseau' });
    });
    outbox.enqueue(input('doc-4'));
    const result = await worker.drainUntilEmpty(5_000, async (ms) => void (clock.now += ms));
    expect(result).toMatchObject({ empty: false, sent: 0, pending: 1 });
  });
});
