import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../platform/store/migrations/index.js';
import { MssStore, type MessageInput } from './client/store.js';
import type { NewMessage } from './client/sync.js';
import { newMailTracker, resolveMssAddress } from './service.js';

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function store() {
  const db = new Database(':memory:');
  open.push(db);
  for (const m of migrations) m.up(db);
  const mss = new MssStore(db, 'marie.martin@cabinet.test-mssante.fr');
  return { mss, inbox: mss.upsertFolder('INBOX', 'INBOX', '/', '\\Inbox'), sent: mss.upsertFolder('Sent', 'Sent', '/', '\\Sent') };
}

const message = (uid: number, subject: string, from: string): MessageInput => ({
  uid,
  messageId: `<m${uid}@x>`,
  references: [],
  subject,
  from: [{ name: '', address: from }],
  to: [{ address: 'marie.martin@cabinet.test-mssante.fr' }],
  cc: [],
  date: new Date(Date.UTC(2026, 0, uid)).toISOString(),
  size: 100,
  flags: [],
  structure: null,
  hasAttachments: false,
});

describe('newMailTracker (what the sync keeps of new messages)', () => {
  it('counts INBOX only, keeps the DSN/MDN reports apart (they are not new mail: issue 15), and names the newest message for the notification', () => {
    const { mss, inbox, sent } = store();
    const ids = mss.insertMessages(inbox.id, [
      message(1, 'Compte rendu', 'a@hopital.test-mssante.fr'),
      message(2, 'XDM/1.0/DDM+Lettre de liaison', 'b@hopital.test-mssante.fr'),
    ]);
    const sentIds = mss.insertMessages(sent.id, [message(1, 'Envoyé', 'marie.martin@cabinet.test-mssante.fr')]);
    const tracker = newMailTracker(mss);
    const fresh = (rowId: number, uid: number, type: string, folder = inbox): NewMessage => ({ rowId, uid, folder, type });
    tracker.onNew([
      fresh(ids.get(1)!, 1, 'MULTIPART/REPORT'),
      fresh(sentIds.get(1)!, 1, 'text/plain', sent),
      fresh(ids.get(2)!, 2, 'multipart/mixed'),
    ]);
    expect(tracker.fresh).toBe(1);
    expect(tracker.reports.map((m) => m.uid)).toEqual([1]);
    // The subject convention of document mails is hidden, as in the list.
    expect(tracker.last).toEqual({ from: 'b@hopital.test-mssante.fr', subject: 'Lettre de liaison' });
    tracker.onNew([fresh(sentIds.get(1)!, 1, 'text/plain', sent)]);
    expect(tracker.fresh).toBe(1);
    expect(tracker.last?.from).toBe('b@hopital.test-mssante.fr');
  });
});

describe('unreadErrorNotices (ANS « courriel standard » error notices)', () => {
  it('finds the unread INBOX mails whose subject is an error notice, nothing else', () => {
    const { mss, inbox, sent } = store();
    const ids = mss.insertMessages(inbox.id, [
      message(1, '[Erreur d’intégration !][902] XDM/1.0/DDM+Compte rendu', 'lps@hopital.test-mssante.fr'),
      message(2, 'Erreur d’intégration évoquée dans ce courrier', 'a@hopital.test-mssante.fr'),
      message(3, '[KO Intégration système !][904] XDM/1.0/DDM', 'lps@hopital.test-mssante.fr'),
    ]);
    mss.insertMessages(sent.id, [message(1, '[Erreur d’intégration !][902] copie', 'marie.martin@cabinet.test-mssante.fr')]);
    expect(mss.unreadErrorNotices().map((m) => m.id)).toEqual([ids.get(3), ids.get(1)]);
  });
});

describe('resolveMssAddress (the practitioner’s mailbox)', () => {
  it('takes --adresse, then the Réglages setting, then CABINET_MSS_ADRESSE; refuses nothing, garbage and a patient’s mailbox in French', () => {
    expect(
      resolveMssAddress({ explicit: ' Marie.Martin@Cabinet.Test-MSSante.fr ', setting: 'a@b.mssante.fr', env: 'c@d.mssante.fr' }),
    ).toBe('marie.martin@cabinet.test-mssante.fr');
    expect(resolveMssAddress({ setting: 'marie.martin@medecin.mssante.fr', env: 'c@d.mssante.fr' })).toBe(
      'marie.martin@medecin.mssante.fr',
    );
    expect(resolveMssAddress({ setting: '  ', env: 'C@D.mssante.fr' })).toBe('c@d.mssante.fr');
    expect(() => resolveMssAddress({})).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('Réglages') }),
    );
    expect(() => resolveMssAddress({ setting: 'pas une adresse' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('invalide') }),
    );
    expect(() => resolveMssAddress({ setting: '255087512345645@patient.mssante.fr' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('adresse de patient') }),
    );
  });
});
