/**
 * The mixed kill test, small (`npm run test:kill` is the 100 × 20 run): DMP
 * feeds and MSSanté mails to a professional and to a patient, the sending
 * process SIGKILLed at seeded random moments and restarted; every action
 * arrives (DMP registry, Dovecot mailbox, Mon espace santé): none lost; DMP
 * feeds exactly once; mails at most once more per kill (SMTP's limit, see
 * docs/security.md).
 */
import { describe, expect, it } from 'vitest';
import { mailServersAvailable } from '../../sandboxes/mss-operator/index.js';
import { killTable, runMixedKill } from '../kill/mixed.js';

const seed = Number(process.env.CABINET_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const mail = mailServersAvailable();
if (!mail.ok) console.warn(`[kill-mixed] envois MSSanté ignorés : ${mail.message} (seuls les versements DMP sont testés)`);

describe(`actions mixtes et arrêts brutaux (graine ${seed})`, () => {
  it('20 actions, 5 SIGKILL du processus d’envoi : aucune perdue, le DMP exactement une fois', async () => {
    const report = await runMixedKill({ actions: 20, kills: 5, seed, maxKillDelayMs: 1200 });
    console.log(`graine ${seed}\n${killTable(report)}`);
    expect(report.notSent).toEqual([]);
    for (const row of report.rows) {
      // Nothing is ever lost.
      expect({ kind: row.kind, lost: row.lost }).toEqual({ kind: row.kind, lost: 0 });
      if (row.kind === 'dmp') {
        // The DMP is idempotent by uniqueId: exactly once, always.
        expect({ kind: row.kind, duplicates: row.duplicates, delivered: row.delivered }).toEqual({
          kind: row.kind,
          duplicates: 0,
          delivered: row.actions,
        });
      } else {
        // SMTP has no idempotency: a kill after the server accepted a mail but before Cabinet journals its « 250 »
        // (the answer's transit and one local write) resends it. Seen once in CI-like runs (seed 600136518, not
        // reproducible); never more than one copy per kill. Known limit, documented in docs/security.md.
        expect(row.duplicates).toBeLessThanOrEqual(report.kills);
        expect(row.delivered + row.duplicates).toBeGreaterThanOrEqual(row.actions);
      }
    }
    expect(report.rows.reduce((s, r) => s + r.actions, 0)).toBe(20);
    // The kills must have hit: at least one run was killed while work remained.
    expect(report.kills).toBeGreaterThan(0);
  }, 400_000);
});
