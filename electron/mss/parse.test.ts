import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../shared/contract/outcome.js';
import { parseEml } from './parse.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const eml = (name: string) => fs.readFileSync(path.join(here, 'testdata', name));

async function refusal(promise: Promise<unknown>): Promise<{ message: string; reason: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    return { message: (error as CabinetError).message, reason: ((error as CabinetError).details as { reason?: unknown }).reason };
  }
  throw new Error('expected a refusal');
}

describe('parseEml: the test corpus', () => {
  it('a professional mail with IHE_XDM: headers, X-MSS-*, attachments, documents and their patient', async () => {
    const mail = await parseEml(eml('pro-xdm.eml'));
    expect(mail).toMatchObject({
      messageId: '<cr-2024-0001@cabinet.test-ci-sis.mssante.fr>',
      date: '2024-01-16T14:20:00.000Z',
      from: ['marie.martin@test-ci-sis.mssante.fr'],
      to: ['adam.hoda@test-ci-sis.mssante.fr'],
      sujet: { xdm: true, affichage: 'Compte rendu de consultation GARCIA Zoé 12/03/1979', dateNaissance: '1979-03-12' },
      accuseLectureDemandeA: ['marie.martin@test-ci-sis.mssante.fr'],
      patientsDestinataires: [],
      remarques: [],
    });
    expect(mail.mss.headers).toEqual({ nil: 'DEV935997', codeCda: ['11488-4'], ins: 'O' });
    expect(mail.mss.remarques).toEqual([]);
    expect(mail.pieces.map((p) => [p.nom, p.type, p.taille])).toEqual([
      ['IHE_XDM.ZIP', 'application/zip', 4152],
      ['compte-rendu.pdf', 'application/pdf', 60],
    ]);
    expect(mail.xdm).toHaveLength(1);
    const xdm = mail.xdm[0]?.resultat;
    expect(xdm?.patient).toMatchObject({
      valeur: '279035121518989',
      oid: '1.2.250.1.213.1.4.10',
      nom: 'GARCIA',
      prenom: 'Zoé',
      ins: { cleValide: true },
    });
    expect(xdm?.documents.map((d) => [d.metadata.mimeType, d.metadata.typeCode?.code, d.verification.empreinte])).toEqual([
      ['text/xml', '11488-4', 'conforme'],
      ['application/pdf', '11488-4', 'conforme'],
    ]);
    expect(mail.accuse).toBeUndefined();
  });

  it('a patient mail: X-MSS-INS, X-MSS-MES: FIN, the patient address and the documents’ INS agree', async () => {
    const mail = await parseEml(eml('patient-ins.eml'));
    expect(mail.patientsDestinataires).toEqual([{ adresse: '279035121518989@patient.mssante.fr', ins: '279035121518989' }]);
    expect(mail.mss.headers).toEqual({ nil: 'DEV935997', codeCda: ['11488-4'], ins: 'O', mes: 'FIN' });
    expect(mail.mss.lignes.at(-1)).toEqual({
      header: 'X-MSS-MES',
      label: 'Fin d’échange avec le patient',
      value: 'FIN',
      texte: 'Échange clos : le patient ne peut pas répondre',
    });
    expect(mail.xdm[0]?.resultat?.patient?.ins?.valeur).toBe('279035121518989');
    expect(mail.remarques).toEqual([]);
    // The same mail to another patient is flagged.
    const other = await parseEml(
      Buffer.from(eml('patient-ins.eml').toString('utf8').replace('279035121518989@patient', '288091234567894@patient')),
    );
    expect(other.remarques).toEqual([
      'Le patient des documents (INS 279035121518989) n’est pas le patient destinataire (288091234567894@patient.mssante.fr).',
    ]);
  });

  it('a DSN failure: per-recipient action, status, diagnostic, envelope id and the original Message-ID', async () => {
    const mail = await parseEml(eml('dsn-failure.eml'));
    expect(mail.accuse).toEqual({
      type: 'DSN',
      reportingMta: 'mx.test-ci-sis.mssante.fr',
      originalEnvelopeId: 'cabinet-outbox-42',
      arrivalDate: 'Tue, 16 Jan 2024 16:20:00 +0100 (CET)',
      recipients: [
        {
          finalRecipient: 'inconnu@test-ci-sis.mssante.fr',
          originalRecipient: 'inconnu@test-ci-sis.mssante.fr',
          action: 'failed',
          status: '5.1.1',
          remoteMta: 'lmtp.test-ci-sis.mssante.fr',
          diagnostic: "550 5.1.1 <inconnu@test-ci-sis.mssante.fr> User doesn't exist",
          libelle: "échec : adresse inconnue (550 5.1.1 <inconnu@test-ci-sis.mssante.fr> User doesn't exist)",
        },
      ],
      originalMessageId: '<cr-2024-0001@cabinet.test-ci-sis.mssante.fr>',
      originalSubject: 'XDM/1.0/DDM+Compte rendu de consultation GARCIA Zoé 12/03/1979',
      statut: 'echec',
      libelle: "échec : adresse inconnue (550 5.1.1 <inconnu@test-ci-sis.mssante.fr> User doesn't exist)",
    });
  });

  it('a DSN success: « remis », the original from message/rfc822', async () => {
    const mail = await parseEml(eml('dsn-success.eml'));
    expect(mail.accuse).toMatchObject({
      type: 'DSN',
      statut: 'remis',
      libelle: 'remis',
      originalEnvelopeId: 'cabinet-outbox-43',
      originalMessageId: '<cr-2024-0003@cabinet.test-ci-sis.mssante.fr>',
      recipients: [{ action: 'delivered', status: '2.0.0' }],
    });
  });

  it('an MDN displayed: « lu », Original-Message-ID, Final-Recipient, disposition modes', async () => {
    const mail = await parseEml(eml('mdn-displayed.eml'));
    expect(mail.accuse).toEqual({
      type: 'MDN',
      disposition: {
        raw: 'manual-action/MDN-sent-manually; displayed',
        actionMode: 'manual-action',
        sendingMode: 'MDN-sent-manually',
        type: 'displayed',
      },
      statut: 'lu',
      libelle: 'lu',
      finalRecipient: 'adam.hoda@test-ci-sis.mssante.fr',
      originalRecipient: 'adam.hoda@test-ci-sis.mssante.fr',
      reportingUa: 'LPS Hôpital 2.3',
      originalMessageId: '<cr-2024-0001@cabinet.test-ci-sis.mssante.fr>',
      originalSubject: 'XDM/1.0/DDM+Compte rendu de consultation GARCIA Zoé 12/03/1979',
    });
    expect(mail.inReplyTo).toBe('<cr-2024-0001@cabinet.test-ci-sis.mssante.fr>');
  });

  it('an integration-error MDN (ANS « KO Intégration système »): code 902 in French', async () => {
    const mail = await parseEml(eml('mdn-error.eml'));
    expect(mail.accuse).toMatchObject({
      type: 'MDN',
      statut: 'erreur',
      libelle: 'erreur d’intégration 902 : identifiant de patient inconnu',
      disposition: { type: 'processed', modifier: 'error', error: { code: '902' } },
    });
    expect(mail.sujet).toMatchObject({ xdm: true, erreurIntegration: '902' });
  });
});

describe('parseEml: malformed and hostile mail', () => {
  it('an unterminated boundary: the parts read, and a French remark', async () => {
    const mail = await parseEml(eml('unterminated-boundary.eml'));
    expect(mail.pieces.map((p) => p.nom)).toEqual(['cr.pdf']);
    expect(mail.remarques).toEqual([
      'Structure MIME incomplète : la limite de fin « --jamais-ferme-- » est absente (message tronqué ?). Les parties lues sont affichées.',
    ]);
  });

  it('bad base64 in the XDM: the mail is read, the archive refused in French', async () => {
    const mail = await parseEml(eml('bad-base64.eml'));
    expect(mail.messageId).toBe('<bad-b64@cabinet.test-ci-sis.mssante.fr>');
    expect(mail.xdm).toEqual([{ piece: 'IHE_XDM.ZIP', erreur: expect.stringMatching(/^Archive IHE_XDM refusée : /) }]);
    // The X-MSS-* coherence cannot be judged without the archive: no false remark.
    expect(mail.mss.remarques).toEqual([]);
  });

  it('nested bombs: a 1000:1 XDM refused, an embedded message never parsed', async () => {
    const mail = await parseEml(eml('nested-bomb.eml'));
    expect(mail.xdm).toEqual([
      {
        piece: 'IHE_XDM.ZIP',
        erreur: expect.stringMatching(
          /^Archive IHE_XDM refusée : taux de compression suspect pour « IHE_XDM\/SUBSET01\/METADATA\.XML » \(\d+ pour 1, 100 au plus : bombe zip \?\)\.$/,
        ),
      },
    ]);
    expect(mail.pieces.map((p) => [p.nom, p.type])).toEqual([
      ['IHE_XDM.ZIP', 'application/zip'],
      ['transfert.eml', 'message/rfc822'],
    ]);
  });

  it('a huge header block is refused in French', async () => {
    const huge = Buffer.from(`From: <a@b.fr>\nSubject: ${'x'.repeat(200 * 1024)}\n\nbody\n`);
    expect(await refusal(parseEml(huge))).toEqual({ message: 'Courriel illisible : bloc d’en-têtes trop volumineux.', reason: 'entete' });
  });

  it('deeply nested multiparts are refused in French', async () => {
    let body = 'fin\n';
    for (let i = 0; i < 400; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n${body}\n--b${i}--\n`;
    expect(await refusal(parseEml(Buffer.from(`From: <a@b.fr>\nSubject: poupées russes\nMIME-Version: 1.0\n${body}`)))).toEqual({
      message: 'Courriel illisible : trop de parties MIME (message piégé ?).',
      reason: 'parties',
    });
  });

  it('too large, empty, or not a mail at all', async () => {
    expect(await refusal(parseEml(eml('pro-xdm.eml'), { maxBytes: 1024 }))).toEqual({
      message: 'Courriel illisible : plus de 0 Mio.',
      reason: 'taille',
    });
    expect((await refusal(parseEml(Buffer.alloc(0)))).reason).toBe('vide');
    expect(await refusal(parseEml(Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0xff])))).toEqual({
      message: 'Courriel illisible : le fichier ne commence pas par des en-têtes de courriel.',
      reason: 'entete',
    });
  });
});
