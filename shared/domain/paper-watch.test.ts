import { describe, expect, it } from 'vitest';
import { paperWatch, type WatchedFeed, type WatchedMail } from './paper-watch.js';

const patient = '279035121518989@patient.mssante.fr';
const sentAt = '2026-11-23T09:00:00.000Z';
const H = 3600_000;
const mail = (over: Partial<WatchedMail> = {}): WatchedMail => ({
  messageId: '<m1@cabinet>',
  patientUid: 'p1',
  subject: 'Compte rendu',
  recipients: [patient],
  sentAt,
  receipts: [],
  ...over,
});
const feed = (over: Partial<WatchedFeed> = {}): WatchedFeed => ({
  uniqueKey: 'dmp:1.2.3',
  patientUid: 'p1',
  summary: 'CR — DUPONT',
  state: 'en_attente',
  createdAt: sentAt,
  lastError: null,
  ...over,
});
const watch = (mails: WatchedMail[], feeds: WatchedFeed[], nowHours: number, handedOver: string[] = []) =>
  paperWatch({ mails, feeds, handedOver: new Set(handedOver), now: Date.parse(sentAt) + nowHours * H, delayMs: 72 * H });

describe('paperWatch', () => {
  it('lists a mail to the patient that came back as a failure report, at once, with the reason', () => {
    const failed = mail({
      receipts: [{ recipient: patient, state: 'echec', label: 'espace santé clôturé', at: '2026-11-23T09:05:00.000Z' }],
    });
    expect(watch([failed], [], 1)).toEqual([
      {
        key: 'mss:<m1@cabinet>',
        kind: 'mss',
        patientUid: 'p1',
        summary: 'Message au patient « Compte rendu »',
        reason: 'Non distribué : espace santé clôturé',
        since: '2026-11-23T09:05:00.000Z',
      },
    ]);
  });

  it('lists a mail with no read receipt only once the delay has elapsed (clock injected)', () => {
    const delivered = mail({ receipts: [{ recipient: patient, state: 'remis', label: 'remis', at: sentAt }] });
    expect(watch([delivered], [], 71)).toEqual([]);
    expect(watch([delivered], [], 72)).toMatchObject([{ reason: 'Pas d’accusé de lecture après 72 h', since: '2026-11-26T09:00:00.000Z' }]);
    const read = mail({ receipts: [{ recipient: patient, state: 'lu', label: 'lu', at: sentAt }] });
    expect(watch([read], [], 500)).toEqual([]);
  });

  it('ignores mail to professionals, and what was handed over on paper', () => {
    expect(watch([mail({ recipients: ['dr.martin@medecin.mssante.fr'] })], [], 500)).toEqual([]);
    expect(watch([mail()], [], 500, ['mss:<m1@cabinet>'])).toEqual([]);
  });

  it('lists a DMP feed still queued after the delay, a failed one at once, never a sent one', () => {
    expect(watch([], [feed()], 10)).toEqual([]);
    expect(watch([], [feed()], 73)).toMatchObject([
      { key: 'dmp:dmp:1.2.3', kind: 'dmp', reason: 'Toujours en file d’envoi vers le DMP après 72 h' },
    ]);
    expect(watch([], [feed({ state: 'echec', lastError: 'patient inconnu' })], 1)).toMatchObject([
      { reason: 'Envoi au DMP en échec : patient inconnu' },
    ]);
    expect(watch([], [feed({ state: 'envoye' })], 500)).toEqual([]);
  });
});
