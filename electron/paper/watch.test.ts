/**
 * « À remettre sur papier » from the encrypted store: the list fills from a
 * real DSN (the operator's « failed » report, parsed as the mail service
 * does) and from an elapsed delay (clock injected); marking it « remis en
 * main propre » takes it off the list and is audited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../../test/support/store.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { Outbox } from '../platform/outbox/outbox.js';
import { MssStore } from '../mss/client/store.js';
import { parseEml } from '../mss/parse.js';
import { PaperWatchService } from './watch.js';

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

const patient = '279035121518989@patient.mssante.fr';
const H = 3600_000;

function setup() {
  const store = freshStore();
  stores.push(store);
  const clock = { now: Date.parse('2026-11-23T09:00:00Z') };
  const audit = new AuditLog(store.db, () => new Date(clock.now));
  const mail = new MssStore(store.db, 'dr.martin@medecin.mssante.fr', () => clock.now);
  const outbox = new Outbox(store.db, () => clock.now);
  const paper = new PaperWatchService({ db: store.db, audit, delayHours: () => 72, clock: () => clock.now });
  return { store, clock, audit, mail, outbox, paper };
}

describe('PaperWatchService', () => {
  it('fills from a DSN « failed » for a mail to the patient, and leaves the list once handed over (audited)', async () => {
    const { mail, paper, audit } = setup();
    mail.recordSent({
      messageId: '<cr-1@cabinet>',
      outboxKey: '<cr-1@cabinet>',
      sender: 'dr.martin@medecin.mssante.fr',
      recipients: [patient],
      subject: 'Votre compte rendu',
      patientUid: 'p-1',
      readReceipt: true,
      fin: false,
    });
    expect(paper.list()).toEqual([]);
    const raw = fs
      .readFileSync(path.join(import.meta.dirname, '../mss/testdata/dsn-failure.eml'), 'latin1')
      .replaceAll('inconnu@test-ci-sis.mssante.fr', patient);
    const parsed = await parseEml(Buffer.from(raw, 'latin1'));
    expect(parsed.accuse?.type).toBe('DSN');
    // As the mail service applies a DSN (electron/mss/service.ts applyReceipt).
    if (parsed.accuse?.type !== 'DSN') throw new Error('DSN attendu');
    for (const r of parsed.accuse.recipients)
      mail.addReceipt('<cr-1@cabinet>', {
        recipient: r.finalRecipient ?? patient,
        state: 'echec',
        label: r.libelle,
        at: '2026-11-23T09:05:00.000Z',
        source: 'uid:INBOX:1',
      });

    const [item, ...rest] = paper.list();
    expect(rest).toEqual([]);
    expect(item).toMatchObject({
      key: 'mss:<cr-1@cabinet>',
      kind: 'mss',
      patientUid: 'p-1',
      summary: 'Message au patient « Votre compte rendu »',
    });
    expect(item!.reason).toMatch(/^Non distribué : /);

    paper.mark('mss:<cr-1@cabinet>', 'main_propre', '810000000001');
    expect(paper.list()).toEqual([]);
    const entry = audit.list(5).entries.find((e) => e.action === 'paper.handover');
    expect(entry).toMatchObject({
      actor: '810000000001',
      subject: 'p-1',
      details: { element: 'mss:<cr-1@cabinet>', remise: 'remis en main propre' },
    });
    expect(() => paper.mark('mss:<cr-1@cabinet>', 'courrier', '810000000001')).toThrow(/n’est pas/);
  });

  it('fills from an elapsed delay: no read receipt after 72 h, a DMP feed still queued', () => {
    const { mail, outbox, paper, clock } = setup();
    mail.recordSent({
      messageId: '<cr-2@cabinet>',
      outboxKey: '<cr-2@cabinet>',
      sender: 'dr.martin@medecin.mssante.fr',
      recipients: [patient],
      subject: 'Ordonnance',
      patientUid: 'p-2',
      readReceipt: true,
      fin: false,
    });
    mail.addReceipt('<cr-2@cabinet>', {
      recipient: patient,
      state: 'remis',
      label: 'remis',
      at: '2026-11-23T09:01:00.000Z',
      source: 'dsn',
    });
    outbox.enqueue({
      kind: 'dmp.feed',
      idempotencyKey: 'dmp:1.2.250.1.999.1',
      summary: 'Compte rendu — DUPONT Marie',
      payload: {},
      groupKey: 'p-2',
    });
    clock.now += 71 * H;
    expect(paper.list()).toEqual([]);
    clock.now += 1 * H;
    expect(paper.list().map((i) => [i.key, i.reason])).toEqual([
      ['mss:<cr-2@cabinet>', 'Pas d’accusé de lecture après 72 h'],
      ['dmp:dmp:1.2.250.1.999.1', 'Toujours en file d’envoi vers le DMP après 72 h'],
    ]);
    // A read receipt takes the mail off the list.
    mail.addReceipt('<cr-2@cabinet>', {
      recipient: patient,
      state: 'lu',
      label: 'lu',
      at: new Date(clock.now).toISOString(),
      source: 'mdn',
    });
    expect(paper.list().map((i) => i.key)).toEqual(['dmp:dmp:1.2.250.1.999.1']);
  });
});
