import { describe, expect, it } from 'vitest';
import {
  checkRecipient,
  checkSender,
  mayPatientReply,
  proAddress,
  wantsReadReceipt,
  type PatientSpace,
  type ReceivedSummary,
} from './patient-rules.js';

const insWithKey = (matricule: string) => `${matricule}${String(97 - Number(BigInt(matricule) % 97n)).padStart(2, '0')}`;
const ACTIF = insWithKey('2800175123456');
const CLOS = insWithKey('1750275123457');
const PRO = ['cabinet.test-mssante.fr', 'hopital.test-mssante.fr'];
const spaces = new Map<string, PatientSpace>([
  [ACTIF, { state: 'actif', readReceipts: false }],
  [CLOS, { state: 'clos', readReceipts: true }],
]);
const martin = 'marie.martin@cabinet.test-mssante.fr';

describe('checkRecipient', () => {
  it('accepts an active patient, refuses unknown, closed, malformed and foreign addresses with their status', () => {
    expect(checkRecipient(`${ACTIF}@patient.mssante.fr`, spaces)).toEqual({ ins: ACTIF });
    expect(checkRecipient(`${ACTIF}@PATIENT.MSSANTE.FR`, spaces)).toEqual({ ins: ACTIF });
    expect(checkRecipient(`${insWithKey('2690375123458')}@patient.mssante.fr`, spaces)).toMatchObject({ code: 550, status: '5.1.1' });
    expect(checkRecipient(`${CLOS}@patient.mssante.fr`, spaces)).toMatchObject({ code: 550, status: '5.2.1' });
    const badKey = `${ACTIF.slice(0, 13)}${ACTIF.slice(13) === '00' ? '01' : '00'}@patient.mssante.fr`;
    expect(checkRecipient(badKey, spaces)).toMatchObject({ status: '5.1.3' });
    expect(checkRecipient(martin, spaces)).toMatchObject({ status: '5.1.2' });
    expect(checkRecipient('pas une adresse', spaces)).toMatchObject({ status: '5.1.2' });
  });
  it('keeps SMTP replies 7-bit', () => {
    for (const address of [
      `${CLOS}@patient.mssante.fr`,
      `${insWithKey('2690375123458')}@patient.mssante.fr`,
      'x@y.fr',
      `12@patient.mssante.fr`,
    ]) {
      const r = checkRecipient(address, spaces);
      expect('text' in r && /^[\x20-\x7e]+$/.test(r.text)).toBe(true);
    }
  });
});

describe('senders', () => {
  it('only the trust space (and the null sender) writes to patients', () => {
    expect(checkSender(martin, PRO)).toBeNull();
    expect(checkSender('dr.x@ch-xyz.mssante.fr', PRO)).toBeNull();
    expect(checkSender('', PRO)).toBeNull();
    expect(checkSender('spam@gmail.com', PRO)).toMatchObject({ code: 550, status: '5.7.1' });
    expect(checkSender(`${ACTIF}@patient.mssante.fr`, PRO)).toMatchObject({ status: '5.7.1' });
    expect(proAddress('Dr Martin <Marie.Martin@Cabinet.test-mssante.fr>', PRO)).toBe(martin);
  });
});

const msg = (id: string, from: string, extra: Partial<ReceivedSummary> = {}): ReceivedSummary => ({
  messageId: `<${id}>`,
  from,
  inReplyTo: null,
  references: [],
  fin: false,
  ...extra,
});

describe('mayPatientReply', () => {
  const received = [msg('a@cab', martin), msg('b@hop', 'julien.petit@hopital.test-mssante.fr')];
  it('never lets a patient start a thread', () => {
    expect(mayPatientReply(received, martin, undefined)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/commencer une conversation/),
    });
    expect(mayPatientReply(received, martin, '')).toMatchObject({ ok: false });
    expect(mayPatientReply(received, martin, '<inconnu@x>')).toMatchObject({ ok: false, message: expect.stringMatching(/aucun message/) });
    // A message received from someone else is not a thread with this professional.
    expect(mayPatientReply(received, martin, '<b@hop>')).toMatchObject({ ok: false });
  });
  it('accepts a reply to a message from that professional, with or without angle brackets', () => {
    expect(mayPatientReply(received, martin, '<a@cab>')).toMatchObject({ ok: true });
    expect(mayPatientReply(received, martin, 'a@cab')).toMatchObject({ ok: true });
  });
  it('refuses once the latest message of the thread from the professional carries FIN, also for earlier messages of the thread', () => {
    const thread = [
      msg('a@cab', martin),
      msg('other@cab', martin),
      msg('c@cab', martin, { inReplyTo: '<reply@patient>', references: ['<a@cab>', '<reply@patient>'], fin: true }),
    ];
    expect(mayPatientReply(thread, martin, '<c@cab>')).toMatchObject({ ok: false, message: expect.stringMatching(/X-MSS-MES: FIN/) });
    expect(mayPatientReply(thread, martin, '<a@cab>')).toMatchObject({ ok: false });
    // Another thread with the same professional stays open.
    expect(mayPatientReply(thread, martin, '<other@cab>')).toMatchObject({ ok: true });
    // The professional writes again in the thread without FIN: reopened.
    const reopened = [...thread, msg('d@cab', martin, { references: ['<a@cab>', '<c@cab>'] })];
    expect(mayPatientReply(reopened, martin, '<d@cab>')).toMatchObject({ ok: true });
  });
});

describe('wantsReadReceipt', () => {
  it('only when the flag is on, the space active and a professional asks', () => {
    expect(wantsReadReceipt({ state: 'actif', readReceipts: true }, `Dr Martin <${martin}>`, PRO)).toBe(martin);
    expect(wantsReadReceipt({ state: 'actif', readReceipts: false }, martin, PRO)).toBeNull();
    expect(wantsReadReceipt({ state: 'clos', readReceipts: true }, martin, PRO)).toBeNull();
    expect(wantsReadReceipt({ state: 'actif', readReceipts: true }, null, PRO)).toBeNull();
    expect(wantsReadReceipt({ state: 'actif', readReceipts: true }, 'x@gmail.com', PRO)).toBeNull();
  });
});
