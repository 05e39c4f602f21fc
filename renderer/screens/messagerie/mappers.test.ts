import { describe, expect, it } from 'vitest';
import { mssMessageView, mssSendRequest } from '../../../shared/contract/mss.js';
import { composeRequest, toDetail, toFolder, toPending, toStatus, toSummary, toTimeline } from './mappers.js';

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

describe('answers read into the screen’s shapes', () => {
  it('reads what the contract lets through', () => {
    const view = mssMessageView.parse({ ...summary, text: null, mail: null, error: null, mdn: 'aucun', documents: [], receipts: null, thread: [] });
    expect(toDetail(view)).toMatchObject({ id: 7, text: null, attachments: [], mdn: 'aucun' });
  });

  it('reads a message summary and tolerates missing fields', () => {
    expect(toSummary(summary)).toMatchObject({ id: 7, subject: 'Compte rendu', xdm: true, seen: false, thread: null, from: [{ name: 'Dr Paul BERNARD' }] });
    const empty = toSummary({});
    expect(empty).toMatchObject({ id: 0, subject: '', from: [], seen: false, patientAddress: null });
    expect(toSummary({ from: ['x@y.fr'] }).from).toEqual([{ address: 'x@y.fr' }]);
  });

  it('reads a full message: attachments, XDM errors, X-MSS lines, documents, receipts, conversation', () => {
    const detail = toDetail({
      ...summary,
      text: 'Bonjour',
      error: null,
      mdn: 'a_demander',
      mail: {
        accuseLectureDemandeA: ['dr.bernard@hopital.test-mssante.fr'],
        pieces: [{ nom: 'CR.pdf', type: 'application/pdf', taille: 2048, sha256: 'x' }, { type: 'application/zip', taille: 10 }],
        xdm: [{ piece: 'IHE_XDM.ZIP', erreur: 'Archive refusée : chemin hors du dossier', documents: 0 }],
        mss: [
          { header: 'X-MSS-NIL', label: 'Logiciel', value: 'X', texte: 'X' },
          { header: 'X-MSS-MES', label: 'Échange avec le patient', value: 'FIN', texte: 'Le patient ne peut pas répondre' },
        ],
        remarquesMss: ['X-MSS-INS attendu'],
        remarques: ['partie illisible'],
        accuse: { type: 'DSN', statut: 'remis', libelle: 'remis' },
      },
      documents: [{ id: 3, uniqueId: 'u', ins: '275126322074974', patientUid: null, state: 'a_rapprocher', title: 'CR', hasPdf: true, importedAt: null }],
      receipts: {
        messageId: '<a@b>',
        subject: 'Compte rendu',
        createdAt: '2026-11-23T05:00:00.000Z',
        recipients: [{ recipient: 'x@y.fr', state: 'remis', label: 'remis', events: [{ state: 'remis', label: 'remis', at: '2026-11-23T05:01:00.000Z' }, { state: 'bizarre', label: '?', at: '' }] }],
      },
      thread: [summary, { ...summary, id: 8 }],
    });
    expect(detail.mdn).toBe('a_demander');
    expect(detail.mdnTo).toBe('dr.bernard@hopital.test-mssante.fr');
    expect(detail.attachments).toEqual([
      { index: 0, filename: 'CR.pdf', contentType: 'application/pdf', size: 2048 },
      { index: 1, filename: 'pièce jointe 2', contentType: 'application/zip', size: 10 },
    ]);
    expect(detail.xdmErrors).toEqual(['Archive refusée : chemin hors du dossier']);
    expect(detail.mssLines).toEqual(['Échange avec le patient : Le patient ne peut pas répondre']);
    expect(detail.remarks).toEqual(['X-MSS-INS attendu', 'partie illisible']);
    expect(detail.receipt).toEqual({ type: 'DSN', label: 'remis' });
    expect(detail.documents[0]).toMatchObject({ id: 3, state: 'a_rapprocher', hasPdf: true });
    expect(detail.timeline?.events).toEqual([{ recipient: 'x@y.fr', state: 'remis', label: 'remis', at: '2026-11-23T05:01:00.000Z' }]);
    expect(detail.conversation.map((m) => m.id)).toEqual([7, 8]);
    expect(detail.thread).toBe('<a@b>');
  });

  it('degrades an unreadable answer to safe defaults', () => {
    const detail = toDetail({ id: 1, mail: 'pas un objet', mdn: 'inconnu', receipts: null });
    expect(detail).toMatchObject({ mdn: 'aucun', attachments: [], documents: [], timeline: null, text: null, receipt: null });
    expect(toTimeline(null)).toBeNull();
  });

  it('reads status, folders and outbox items', () => {
    expect(toStatus({ configured: true, serversAvailable: false, serversMessage: 'Dovecot absent', unread: 3 })).toMatchObject({ configured: true, serversAvailable: false, serversMessage: 'Dovecot absent', unread: 3, lastSync: null });
    expect(toStatus({}).serversAvailable).toBe(true);
    expect(toFolder({ id: 2, path: 'Sent', specialUse: '\\Sent', total: 4, unread: 0 })).toMatchObject({ name: 'Sent', specialUse: '\\Sent' });
    expect(toPending({ id: 9, idempotencyKey: '<m@x>', kind: 'mss.send', summary: 's', state: 'bizarre', attempts: 2, lastError: 'serveur injoignable' })).toMatchObject({
      outboxId: 9,
      messageId: '<m@x>',
      state: 'en_attente',
      lastError: 'serveur injoignable',
    });
  });
});

describe('the send request of a draft', () => {
  const draft = { to: ['a@b.mssante.fr'], cc: [], subject: 'Objet', body: 'Texte', attachments: [], patientUid: null, toPatient: false, readReceipt: false, fin: false, inReplyToRow: null };

  it('sends only what is set (the contract refuses unknown keys)', () => {
    expect(composeRequest(draft)).toEqual({ to: ['a@b.mssante.fr'], subject: 'Objet', body: 'Texte' });
    expect(mssSendRequest.safeParse(composeRequest(draft)).success).toBe(true);
  });

  it('carries the patient, FIN, the read receipt, the reply and base64 attachments', () => {
    const uid = '0b7d3c1e-5a4f-4c3b-9d2e-8f1a6b5c4d3e';
    expect(
      composeRequest({
        ...draft,
        cc: ['c@d.mssante.fr'],
        attachments: [{ filename: 'o.pdf', contentType: 'application/pdf', data: 'JVBERi0=', size: 5 }],
        patientUid: uid,
        toPatient: true,
        readReceipt: true,
        fin: true,
        inReplyToRow: 12,
      }),
    ).toEqual({
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
    const full = composeRequest({ ...draft, attachments: [{ filename: 'o.pdf', contentType: 'application/pdf', data: 'JVBERi0=', size: 5 }], patientUid: uid, toPatient: true, readReceipt: true, fin: true, inReplyToRow: 12 });
    expect(mssSendRequest.safeParse(full).success).toBe(true);
  });
});
