import { describe, expect, it } from 'vitest';
import { mssMessageView, mssSendRequest } from '../../../shared/contract/mss.js';
import { outboxItem } from '../../../shared/contract/schemas.js';
import { attachmentsOf, mailSends, mssLinesOf, receiptEvents, remarksOf, sendRequest, xdmErrorsOf } from './message.js';

const summary = {
  id: 7,
  folderId: 1,
  uid: 42,
  messageId: '<a@b>',
  subject: 'Compte rendu',
  xdm: true,
  from: [{ name: 'Dr Paul BERNARD', address: 'paul.bernard@cabinet.test-mssante.fr' }],
  to: [{ address: 'marie.martin@cabinet.test-mssante.fr' }],
  cc: [],
  date: '2026-11-23T05:00:00.000Z',
  size: 1234,
  seen: false,
  flags: [],
  hasAttachments: true,
  patientAddress: null,
};

const fullMail = {
  messageId: '<a@b>',
  from: ['paul.bernard@cabinet.test-mssante.fr'],
  to: ['marie.martin@cabinet.test-mssante.fr'],
  cc: [],
  sujet: 'Compte rendu',
  accuseLectureDemandeA: ['dr.bernard@hopital.test-mssante.fr'],
  patientsDestinataires: [],
  mss: [
    { header: 'X-MSS-NIL', label: 'Logiciel', value: 'X', texte: 'X' },
    { header: 'X-MSS-MES', label: 'Échange avec le patient', value: 'FIN', texte: 'Le patient ne peut pas répondre' },
  ],
  remarquesMss: ['X-MSS-INS attendu'],
  pieces: [
    { nom: 'CR.pdf', type: 'application/pdf', taille: 2048, sha256: 'x' },
    { type: 'application/zip', taille: 10, sha256: 'y' },
  ],
  xdm: [
    { piece: 'IHE_XDM.ZIP', erreur: 'Archive refusée : chemin hors du dossier', documents: 0, patient: null },
    { piece: 'AUTRE.ZIP', erreur: null, documents: 1, patient: '275126322074974' },
  ],
  accuse: { type: 'DSN', statut: 'remis', libelle: 'remis', originalMessageId: '<x@y>' },
  remarques: ['partie illisible'],
};

const view = (mail: unknown, receipts: unknown = null) =>
  mssMessageView.parse({ ...summary, text: 'Bonjour', mail, error: null, mdn: 'a_demander', documents: [], receipts, thread: [summary] });

describe('the parsed mail in the contract', () => {
  it('types what the services keep of a mail, and lets a body stored by an older version read', () => {
    expect(view(fullMail).mail?.accuse).toEqual({ type: 'DSN', statut: 'remis', libelle: 'remis', originalMessageId: '<x@y>' });
    const old = view({ sujet: 'Ancien', pieces: [] }).mail;
    expect(old).toMatchObject({ sujet: 'Ancien', mss: [], xdm: [], remarques: [], accuse: null, accuseLectureDemandeA: [] });
    expect(view(null).mail).toBeNull();
  });

  it('refuses an answer whose mail is not what the services send', () => {
    expect(
      mssMessageView.safeParse({
        ...summary,
        text: null,
        mail: 'pas un objet',
        error: null,
        mdn: 'aucun',
        documents: [],
        receipts: null,
        thread: [],
      }).success,
    ).toBe(false);
    expect(
      mssMessageView.safeParse({
        ...summary,
        text: null,
        mail: { pieces: [{ nom: 'a' }] },
        error: null,
        mdn: 'aucun',
        documents: [],
        receipts: null,
        thread: [],
      }).success,
    ).toBe(false);
    expect(
      mssMessageView.safeParse({
        ...summary,
        text: null,
        mail: null,
        error: null,
        mdn: 'inconnu',
        documents: [],
        receipts: null,
        thread: [],
      }).success,
    ).toBe(false);
  });
});

describe('what the reading pane shows of a mail', () => {
  const mail = view(fullMail).mail;

  it('names attachments, in the order of the mail', () => {
    expect(attachmentsOf(mail)).toEqual([
      { index: 0, filename: 'CR.pdf', contentType: 'application/pdf', size: 2048 },
      { index: 1, filename: 'pièce jointe 2', contentType: 'application/zip', size: 10 },
    ]);
    expect(attachmentsOf(null)).toEqual([]);
  });

  it('says X-MSS-* lines in French, without the software reference', () => {
    expect(mssLinesOf(mail)).toEqual(['Échange avec le patient : Le patient ne peut pas répondre']);
  });

  it('lists refused XDM archives and the remarks', () => {
    expect(xdmErrorsOf(mail)).toEqual(['Archive refusée : chemin hors du dossier']);
    expect(remarksOf(mail)).toEqual(['X-MSS-INS attendu', 'partie illisible']);
    expect(remarksOf(null)).toEqual([]);
  });

  it('flattens the receipts of a sent mail per recipient', () => {
    const receipts = view(fullMail, {
      messageId: '<a@b>',
      subject: 'Compte rendu',
      createdAt: '2026-11-23T05:00:00.000Z',
      recipients: [
        {
          recipient: 'x@y.fr',
          state: 'remis',
          label: 'remis',
          events: [{ state: 'remis', label: 'remis', at: '2026-11-23T05:01:00.000Z' }],
        },
        { recipient: 'z@y.fr', state: 'en_file', label: 'dans la file d’envoi', events: [] },
      ],
    }).receipts;
    expect(receipts && receiptEvents(receipts)).toEqual([
      { recipient: 'x@y.fr', state: 'remis', label: 'remis', at: '2026-11-23T05:01:00.000Z' },
    ]);
  });

  it('keeps only the MSSanté sends of the outbox', () => {
    const item = (id: number, kind: string) =>
      outboxItem.parse({
        id,
        idempotencyKey: `<m${id}@x>`,
        kind,
        label: 'x',
        summary: 's',
        state: 'en_attente',
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
        createdAt: 'c',
        updatedAt: 'u',
      });
    expect(mailSends([item(1, 'dmp.feed'), item(2, 'mss.send')]).map((i) => i.id)).toEqual([2]);
  });
});

describe('the send request of a draft', () => {
  const draft = {
    to: ['a@b.mssante.fr'],
    cc: [],
    subject: 'Objet',
    body: 'Texte',
    attachments: [],
    patientUid: null,
    toPatient: false,
    readReceipt: false,
    fin: false,
    inReplyToRow: null,
  };

  it('sends only what is set (the contract refuses unknown keys)', () => {
    expect(sendRequest(draft)).toEqual({ to: ['a@b.mssante.fr'], subject: 'Objet', body: 'Texte' });
    expect(mssSendRequest.safeParse(sendRequest(draft)).success).toBe(true);
  });

  it('carries the patient, FIN, the read receipt, the reply and base64 attachments', () => {
    const uid = '0b7d3c1e-5a4f-4c3b-9d2e-8f1a6b5c4d3e';
    const full = sendRequest({
      ...draft,
      cc: ['c@d.mssante.fr'],
      attachments: [{ filename: 'o.pdf', contentType: 'application/pdf', data: 'JVBERi0=', size: 5 }],
      patientUid: uid,
      toPatient: true,
      readReceipt: true,
      fin: true,
      inReplyToRow: 12,
    });
    expect(full).toEqual({
      to: ['a@b.mssante.fr'],
      cc: ['c@d.mssante.fr'],
      subject: 'Objet',
      body: 'Texte',
      attachments: [{ filename: 'o.pdf', contentType: 'application/pdf', base64: 'JVBERi0=' }],
      patientUid: uid,
      toPatient: true,
      readReceipt: true,
      fin: true,
      inReplyTo: 12,
    });
    // What the services will accept, checked against the contract itself.
    expect(mssSendRequest.safeParse(full).success).toBe(true);
  });
});
