import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../../../test/support/store.js';
import { AuditLog, entryHash, GENESIS_HASH } from './audit-log.js';

const stores: ReturnType<typeof freshStore>[] = [];
function setup() {
  const store = freshStore();
  stores.push(store);
  const appended: number[] = [];
  let t = Date.parse('2026-11-23T08:00:00Z');
  const audit = new AuditLog(
    store.db,
    () => new Date((t += 1000)),
    (id) => appended.push(id),
  );
  for (let i = 0; i < 5; i++)
    audit.append({ actor: 'systeme', action: 'test.action', subject: `sujet-${i}`, details: { n: i, accent: 'é' } });
  return { store, audit, appended };
}
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

/** What an attacker with the key could do: drop the guard triggers, then edit. */
function dropGuards(db: ReturnType<typeof freshStore>['db']) {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

describe('audit log', () => {
  it('chains every entry to the previous one', () => {
    const { store, audit, appended } = setup();
    expect(appended).toEqual([1, 2, 3, 4, 5]);
    expect(audit.verify()).toEqual({ valid: true, count: 5 });
    const first = store.db.prepare('SELECT * FROM audit_log WHERE id = 1').get() as { prev_hash: string; hash: string };
    expect(first.prev_hash).toBe(GENESIS_HASH);
    const second = store.db.prepare('SELECT * FROM audit_log WHERE id = 2').get() as { prev_hash: string };
    expect(second.prev_hash).toBe(first.hash);
  });

  it('refuses UPDATE and DELETE (append-only)', () => {
    const { store } = setup();
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 2").run()).toThrow(/ajout seul/);
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/ajout seul/);
  });

  it('detects a tampered row', () => {
    const { store, audit } = setup();
    dropGuards(store.db);
    store.db.prepare("UPDATE audit_log SET subject = 'autre-patient' WHERE id = 3").run();
    expect(audit.verify()).toMatchObject({ valid: false, brokenAt: 3, count: 2, reason: expect.stringContaining('modifié') });
  });

  it('detects a removed row', () => {
    const { store, audit } = setup();
    dropGuards(store.db);
    store.db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(audit.verify()).toMatchObject({ valid: false, brokenAt: 3 });
  });

  it('detects a row rewritten with a recomputed own hash', () => {
    const { store, audit } = setup();
    dropGuards(store.db);
    const row = store.db.prepare('SELECT * FROM audit_log WHERE id = 4').get() as {
      id: number;
      at: string;
      actor: string;
      action: string;
      subject: string | null;
      details: string | null;
      prev_hash: string;
    };
    const forged = { ...row, actor: 'intrus' };
    store.db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE id = 4').run('intrus', entryHash(row.prev_hash, forged));
    expect(audit.verify()).toMatchObject({ valid: false, brokenAt: 5 });
  });

  it('lists newest first with paging', () => {
    const { audit } = setup();
    const page1 = audit.list(2);
    expect(page1.entries.map((e) => e.id)).toEqual([5, 4]);
    expect(page1.hasMore).toBe(true);
    expect(page1.entries[0]?.details).toEqual({ accent: 'é', n: 4 });
    const last = audit.list(10, 2);
    expect(last.entries.map((e) => e.id)).toEqual([1]);
    expect(last.hasMore).toBe(false);
  });
});
