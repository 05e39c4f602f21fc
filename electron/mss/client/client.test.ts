import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { migration004 } from '../../platform/store/migrations/004-mss.js';
import { parseEml } from '../parse.js';
import { canonicalMssHeaderNames, composeMail } from './compose.js';
import { parseMailEndpoint } from './endpoint.js';
import { explainMailError } from './imap.js';
import { buildMdn, decideMdn } from './mdn.js';
import { bareAddress, ftsQuery, MssStore, readStructure, threadKey, type MessageInput } from './store.js';
import { messageIds, parseHeaderBlock, storedStructure } from './sync.js';

const FROM = 'marie.martin@cabinet.test-mssante.fr';
const PRO = 'julien.petit@hopital.test-mssante.fr';
const PATIENT = '279035121518989@patient.mssante.fr';

describe('endpoints', () => {
  it('reads imaps/imap/smtp/smtps with default ports and refuses the rest', () => {
    expect(parseMailEndpoint('imaps://mail.exemple.fr', 'imap')).toEqual({ host: 'mail.exemple.fr', port: 993, secure: true });
    expect(parseMailEndpoint('imap://127.0.0.1:19143', 'imap')).toEqual({ host: '127.0.0.1', port: 19143, secure: false });
    expect(parseMailEndpoint('smtp://localhost', 'smtp')).toEqual({ host: 'localhost', port: 587, secure: false });
    expect(() => parseMailEndpoint(null, 'imap')).toThrow(/n’est pas configuré/);
    expect(() => parseMailEndpoint('https://x', 'smtp')).toThrow(/invalide/);
    expect(() => parseMailEndpoint('imaps://user:pw@x', 'imap')).toThrow(/identifiant/);
  });

  it('explains connection failures in French', () => {
    expect(explainMailError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'IMAP')).toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'injoignable' },
    });
    expect(explainMailError(Object.assign(new Error('x'), { code: 'CONNECT_TIMEOUT' }), 'SMTP').message).toMatch(/n’a pas répondu à temps/);
    expect(explainMailError(new Error('ssl/tls alert certificate required'), 'IMAP')).toMatchObject({
      code: 'UNAUTHORIZED',
      details: { reason: 'certificat_refuse' },
    });
    expect(explainMailError(Object.assign(new Error('Command failed'), { authenticationFailed: true }), 'IMAP')).toMatchObject({
      details: { reason: 'authentification' },
    });
    expect(
      explainMailError(Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'IMAP'),
    ).toMatchObject({ details: { reason: 'certificat_serveur' } });
  });
});

describe('composing a mail', () => {
  it('sets X-MSS-NIL (canonical spelling), Disposition-Notification-To, the fixed Message-ID and the envelope', async () => {
    const mail = await composeMail({
      from: FROM,
      to: [PRO],
      subject: 'Bonjour',
      text: 'Texte',
      nil: 'DEV935997',
      readReceipt: true,
      messageId: '<abc@cabinet.test-mssante.fr>',
    });
    const head = mail.raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^X-MSS-NIL: DEV935997$/m);
    expect(head).toMatch(/^Disposition-Notification-To: marie\.martin@cabinet\.test-mssante\.fr$/m);
    expect(head).toMatch(/^Message-ID: <abc@cabinet\.test-mssante\.fr>$/m);
    expect(head).not.toMatch(/X-MSS-MES|X-MSS-CODECDA/);
    expect(mail.envelope).toEqual({ from: FROM, to: [PRO] });
    expect(mail.envelopeId).toBe('abc@cabinet.test-mssante.fr');
    const parsed = await parseEml(mail.raw);
    expect(parsed.accuseLectureDemandeA).toEqual([FROM]);
    expect(parsed.mss.headers.nil).toBe('DEV935997');
  });

  it('with an XDM: X-MSS-CODECDA + X-MSS-INS, and IHE_XDM.ZIP attached; FIN only to a patient, one patient per mail', async () => {
    const xdm = await composeMail({
      from: FROM,
      to: [PATIENT],
      subject: 'XDM/1.0/DDM+CR GARCIA Zoé 12/03/1979',
      text: 'x',
      nil: 'DEV1',
      fin: true,
      xdm: { zip: Buffer.from('PK\u0003\u0004'), cdaCodes: ['11488-4'], insQualifie: true },
    });
    const head = xdm.raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^X-MSS-CODECDA: 11488-4$/m);
    expect(head).toMatch(/^X-MSS-INS: O$/m);
    expect(head).toMatch(/^X-MSS-MES: FIN$/m);
    expect(xdm.raw.toString('utf8')).toContain('filename=IHE_XDM.ZIP');
    await expect(composeMail({ from: FROM, to: [PRO], subject: 's', text: 'x', nil: 'DEV1', fin: true })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await expect(
      composeMail({ from: FROM, to: [PATIENT, '246037433000291@patient.mssante.fr'], subject: 's', text: 'x', nil: 'DEV1' }),
    ).rejects.toThrow(/un seul patient/);
    await expect(composeMail({ from: FROM, to: [PRO], subject: 's', text: 'x', nil: '' })).rejects.toThrow(/X-MSS-NIL/);
    await expect(composeMail({ from: FROM, to: ['pas une adresse'], subject: 's', text: 'x', nil: 'DEV1' })).rejects.toThrow(/invalide/);
    await expect(composeMail({ from: FROM, to: [PRO], subject: 'a\r\nBcc: x@y.fr', text: 'x', nil: 'DEV1' })).resolves.toSatisfy(
      (m: { raw: Buffer }) => !/^Bcc:/m.test(m.raw.toString()),
    );
  });

  it('only rewrites the top-level header names', () => {
    const raw = Buffer.from('X-Mss-Nil: A\r\nSubject: s\r\n\r\nX-Mss-Nil: body text\r\n');
    expect(canonicalMssHeaderNames(raw).toString()).toBe('X-MSS-NIL: A\r\nSubject: s\r\n\r\nX-Mss-Nil: body text\r\n');
  });
});

describe('read receipts (RFC 8098)', () => {
  const h = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));
  it('automatic only when Disposition-Notification-To is the Return-Path; asks otherwise; never twice', () => {
    expect(decideMdn(h({ 'disposition-notification-to': `Dr Martin <${FROM}>`, 'return-path': `<${FROM}>` }), [])).toEqual({
      kind: 'automatique',
      to: FROM,
    });
    expect(decideMdn(h({ 'disposition-notification-to': 'secretariat@x.fr', 'return-path': `<${FROM}>` }), [])).toEqual({
      kind: 'demander',
      to: 'secretariat@x.fr',
    });
    expect(decideMdn(h({ 'disposition-notification-to': FROM }), [])).toEqual({ kind: 'demander', to: FROM });
    expect(decideMdn(h({ 'disposition-notification-to': FROM, 'return-path': `<${FROM}>` }), ['$MDNSent'])).toEqual({ kind: 'aucun' });
    expect(decideMdn(h({}), [])).toEqual({ kind: 'aucun' });
  });

  it('builds a multipart/report our own parser reads as « lu » for the original Message-ID', async () => {
    const raw = await buildMdn({
      from: PRO,
      to: FROM,
      originalMessageId: '<orig@cabinet.test-mssante.fr>',
      originalSubject: 'Bonjour',
      originalRecipient: PRO,
      originalHeaders: 'Subject: Bonjour\r\nMessage-ID: <orig@cabinet.test-mssante.fr>',
      manual: true,
      reportingUa: 'Cabinet 1.0',
      nil: 'DEV1',
      messageId: '<mdn@hopital.test-mssante.fr>',
    });
    expect(raw.toString()).toMatch(/Content-Type: multipart\/report; report-type=disposition-notification;/i);
    const parsed = await parseEml(raw);
    expect(parsed.accuse).toMatchObject({
      type: 'MDN',
      statut: 'lu',
      originalMessageId: '<orig@cabinet.test-mssante.fr>',
      finalRecipient: PRO,
    });
  });
});

describe('sync helpers', () => {
  it('parses header blocks, Message-ID lists, attachments in a structure, threads, FTS queries', () => {
    const headers = parseHeaderBlock(Buffer.from('References: <a@x>\r\n <b@x>\r\nReturn-Path: <r@x>\r\n\r\n'));
    expect(headers.get('references')).toEqual(['<a@x> <b@x>']);
    expect(messageIds(headers.get('references')?.[0])).toEqual(['<a@x>', '<b@x>']);
    expect(
      storedStructure({
        type: 'multipart/mixed',
        childNodes: [{ type: 'text/plain' }, { type: 'application/zip', dispositionParameters: { filename: 'IHE_XDM.ZIP' } }],
      })?.hasAttachment,
    ).toBe(true);
    expect(
      storedStructure({ type: 'multipart/alternative', childNodes: [{ type: 'text/plain' }, { type: 'text/html' }] })?.hasAttachment,
    ).toBe(false);
    expect(
      storedStructure({ type: 'multipart/mixed', childNodes: [{ type: 'text/plain' }, { type: 'application/pdf' }] })?.hasAttachment,
    ).toBe(true);
    expect(storedStructure(undefined)).toBeNull();
    // Stored compactly, read back as objects; names with quotes and accents survive; at most 200 leaves.
    const stored = storedStructure({
      type: 'multipart/mixed',
      childNodes: [
        { part: '1', type: 'text/plain', size: 10, parameters: { charset: 'utf-8' } },
        { part: '2', type: 'application/zip', size: 99, disposition: 'attachment', dispositionParameters: { filename: 'IHE_XDM "é".ZIP' } },
        { part: '3', type: 'image/png', size: 5, disposition: 'inline' },
      ],
    });
    expect(stored?.json).toBe(
      '["multipart/mixed",[["1","text/plain",10],["2","application/zip",99,"IHE_XDM \\"é\\".ZIP","attachment"],["3","image/png",5,"","inline"]]]',
    );
    expect(readStructure(stored!.json)).toEqual({
      type: 'multipart/mixed',
      parts: [
        { part: '1', type: 'text/plain', size: 10 },
        { part: '2', type: 'application/zip', size: 99, name: 'IHE_XDM "é".ZIP', disposition: 'attachment' },
        { part: '3', type: 'image/png', size: 5, disposition: 'inline' },
      ],
    });
    const many = storedStructure({
      type: 'multipart/mixed',
      childNodes: Array.from({ length: 300 }, (_, i) => ({ part: String(i + 1), type: 'text/plain', size: 1 })),
    });
    expect(readStructure(many!.json)?.parts).toHaveLength(200);
    expect(readStructure('{"pas":"un tableau"}')).toBeNull();
    expect(readStructure('[tronqué')).toBeNull();
    expect(threadKey('<c@x>', '<b@x>', ['<a@x>', '<b@x>'])).toBe('<a@x>');
    expect(threadKey('<c@x>', null, [])).toBe('<c@x>');
    expect(ftsQuery('Compte-rendu "GARCIA')).toBe('"Compte-rendu"* "GARCIA"*');
    expect(ftsQuery('  ')).toBeNull();
    expect(bareAddress('rfc822;Dr.Martin@Exemple.FR')).toBe('dr.martin@exemple.fr');
  });
});

describe('the mail store', () => {
  const message = (uid: number, extra: Partial<MessageInput> = {}): MessageInput => ({
    uid,
    messageId: `<m${uid}@x>`,
    references: [],
    subject: `Sujet ${uid}`,
    from: [{ name: 'Marie Martin', address: FROM }],
    to: [{ address: PRO }],
    cc: [],
    date: new Date(Date.UTC(2026, 0, uid)).toISOString(),
    size: 100,
    flags: uid % 2 ? ['\\Seen'] : [],
    structure: '["text/plain",[["1","text/plain",100]]]',
    hasAttachments: false,
    ...extra,
  });

  it('pages, counts unread, updates flags, deletes, clears on UIDVALIDITY change, searches and keeps accounts apart', () => {
    const db = new Database(':memory:');
    migration004.up(db);
    const store = new MssStore(db, FROM);
    const other = new MssStore(db, PRO);
    const inbox = store.upsertFolder('INBOX', 'INBOX', '/', '\\Inbox');
    expect(other.folder('INBOX')).toBeUndefined();
    const ids = store.insertMessages(
      inbox.id,
      [1, 2, 3, 4, 5].map((u) => message(u)),
    );
    expect(ids.size).toBe(5);
    // Re-inserting the same UIDs is a flag refresh, not a duplicate.
    expect(store.insertMessages(inbox.id, [message(1, { flags: [] })]).size).toBe(0);
    const page = store.list(inbox.id, 0, 2);
    expect(page).toMatchObject({ total: 5, unread: 3 });
    expect(page.messages.map((m) => m.uid)).toEqual([5, 4]);
    expect(store.updateFlags(inbox.id, [{ uid: 2, flags: ['\\Seen', '$MDNSent'] }])).toBe(1);
    expect(store.list(inbox.id, 0, 10).unread).toBe(2);
    expect(store.search('sujet 3', 10).map((m) => m.uid)).toEqual([3]);
    expect(store.search('martin', 10)).toHaveLength(5);
    expect(other.search('martin', 10)).toHaveLength(0);
    store.saveBody(ids.get(4)!, Buffer.from('raw'), 'Échographie abdominale normale', { ok: true });
    expect(store.search('echographie', 10).map((m) => m.uid)).toEqual([4]);
    expect(store.deleteUids(inbox.id, [5, 99])).toBe(1);
    expect(store.search('sujet 5', 10)).toHaveLength(0);
    store.setFolderState(inbox.id, { uidValidity: '7', uidNext: 6, highestModseq: '12' });
    expect(store.folder('INBOX')).toMatchObject({ uidValidity: '7', uidNext: 6, highestModseq: '12' });
    store.clearFolder(inbox.id);
    expect(store.count(inbox.id)).toBe(0);
    expect(store.folder('INBOX')).toMatchObject({ uidValidity: null, uidNext: null });
    expect(store.search('martin', 10)).toHaveLength(0);
  });

  it('keeps a per-recipient receipts timeline, each event once per source', () => {
    const db = new Database(':memory:');
    migration004.up(db);
    const store = new MssStore(db, FROM);
    store.recordSent({
      messageId: '<s@x>',
      outboxKey: '<s@x>',
      sender: FROM,
      recipients: [PRO],
      subject: 'S',
      readReceipt: true,
      fin: false,
    });
    expect(
      store.addReceipt('<s@x>', { recipient: PRO, state: 'envoye', label: 'envoyé', at: '2026-01-01T00:00:00Z', source: 'smtp' }),
    ).toBe(true);
    expect(
      store.addReceipt('<s@x>', { recipient: PRO, state: 'envoye', label: 'envoyé', at: '2026-01-01T00:00:01Z', source: 'smtp' }),
    ).toBe(false);
    expect(
      store.addReceipt('<s@x>', {
        recipient: `rfc822;${PRO.toUpperCase()}`,
        state: 'remis',
        label: 'remis',
        at: '2026-01-01T00:00:02Z',
        source: 'uid:INBOX:3',
      }),
    ).toBe(true);
    expect(store.receipts('<s@x>').map((r) => [r.recipient, r.state])).toEqual([
      [PRO, 'envoye'],
      [PRO, 'remis'],
    ]);
  });
});
