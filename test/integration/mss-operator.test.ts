/**
 * The MSSanté test operator against the real Dovecot and Postfix, driven
 * with imapflow and nodemailer directly (not the app's client): client
 * certificates (good, foreign, revoked, expired, none), pro → pro delivery,
 * DSN success and failure, the Mon espace santé stand-in (active, unknown,
 * closed, FIN, MDN, no first message from a patient), Pro Santé Connect
 * access tokens (XOAUTH2/OAUTHBEARER checked at the PSC sandbox's userinfo:
 * valid, forged, expired, revoked, someone else's), stop by PID.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/identity/psc/clock.js';
import {
  CIBA_GRANT,
  sandboxClient,
  sandboxPractitioners,
  startPscSandbox,
  testPkiPractitioners,
  type PscSandbox,
} from '../../sandboxes/psc/server.js';
import { createTestPki, identity, loadTestPki, pkiPath } from '../../sandboxes/pki/test-pki.js';
import { parseEml } from '../../electron/mss/parse.js';
import {
  freePorts,
  mailboxTls,
  mailServersAvailable,
  startMssOperator,
  type MssOperator,
  type OperatorMailbox,
} from '../../sandboxes/mss-operator/index.js';
import { alive, busyPorts, readPid } from '../../sandboxes/mss-operator/processes.js';
import { tempDir } from '../support/fixtures.js';

const available = mailServersAvailable();
if (!available.ok) console.warn(`[mss-operator] tests ignorés : ${available.message}`);

// Two INS with a valid key (NIR key = 97 − matricule mod 97).
const insWithKey = (matricule: string) => `${matricule}${String(97 - Number(BigInt(matricule) % 97n)).padStart(2, '0')}`;
const PATIENT_ACTIF = insWithKey('2800175123456');
const PATIENT_CLOS = insWithKey('1750275123457');
const PATIENT_INCONNU = insWithKey('2690375123458');
const patientAddress = (ins: string) => `${ins}@patient.mssante.fr`;

describe.skipIf(!available.ok)(
  available.ok
    ? 'opérateur MSSanté de test (Dovecot + Postfix réels)'
    : `opérateur MSSanté de test — IGNORÉ : ${available.ok ? '' : available.message}`,
  () => {
    let op: MssOperator;
    let psc: PscSandbox;
    let pscAgent: https.Agent;
    const pscClock = new ManualClock();
    let base: string;
    let martin: OperatorMailbox;
    let petit: OperatorMailbox;
    const box = (identity: string) => op.mailboxes.find((m) => m.identity === identity)!;

    beforeAll(async () => {
      base = tempDir('cabinet-mss-op-');
      fs.chmodSync(base, 0o711); // Postfix and Dovecot run as their own users: they must traverse it
      await createTestPki(path.join(base, 'pki'));
      const pki = loadTestPki(path.join(base, 'pki'));
      const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
      const pscServer = identity(pki, 'serveur-psc');
      // The PSC sandbox knows the test cards' practitioners (same idNat_PS as their cards).
      psc = await startPscSandbox({
        certPem: read(pscServer.certPem!) + read(pscServer.chainPem!),
        keyPem: read(pscServer.keyPem!),
        port: 0,
        practitioners: [...sandboxPractitioners, ...testPkiPractitioners],
        clock: pscClock,
      });
      const [imaps, imap, submission, smtp, lmtp, patient, tokenSubmission] = await freePorts(7);
      op = await startMssOperator({
        dir: path.join(base, 'operateur'),
        pkiDir: path.join(base, 'pki'),
        ports: { imaps, imap, submission, smtp, lmtp, patient },
        patients: [{ ins: PATIENT_ACTIF }, { ins: PATIENT_CLOS }],
        psc: { url: psc.url, submissionPort: tokenSubmission },
      });
      pscAgent = new https.Agent({ ca: op.ca });
      op.patient.close(PATIENT_CLOS);
      martin = box('medecin-martin');
      petit = box('infirmier-petit');
    }, 60_000);

    afterAll(async () => {
      await op?.stop();
      await psc?.close();
      pscAgent?.destroy();
      if (base) fs.rmSync(base, { recursive: true, force: true });
    });

    const imapClient = (mailbox: OperatorMailbox | null, options: { port?: number; secure?: boolean; user?: string } = {}) =>
      new ImapFlow({
        host: op.imap.host,
        port: options.port ?? op.imap.port,
        secure: options.secure ?? true,
        logger: false,
        tls: { ...(mailbox ? mailboxTls(mailbox) : {}), ca: op.ca, servername: op.servername },
        auth: { user: options.user ?? mailbox?.address ?? 'personne@cabinet.test-mssante.fr', pass: 'certificat' },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
      });

    const smtpTransport = (mailbox: OperatorMailbox | null) =>
      nodemailer.createTransport({
        host: op.smtp.host,
        port: op.smtp.port,
        secure: false,
        requireTLS: true,
        tls: { ...(mailbox ? mailboxTls(mailbox) : {}), ca: op.ca, servername: op.servername },
        connectionTimeout: 10_000,
      });

    /** Raw messages of a mailbox's INBOX, waiting until `count` are there. */
    async function inbox(mailbox: OperatorMailbox, count: number, timeoutMs = 20_000): Promise<Buffer[]> {
      const client = imapClient(mailbox);
      await client.connect();
      try {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const status = await client.status('INBOX', { messages: true });
          if ((status ? (status.messages ?? 0) : 0) >= count || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const lock = await client.getMailboxLock('INBOX');
        try {
          const out: Buffer[] = [];
          for await (const message of client.fetch('1:*', { source: true })) if (message.source) out.push(message.source);
          return out;
        } finally {
          lock.release();
        }
      } finally {
        await client.logout().catch(() => undefined);
      }
    }

    async function loginError(mailbox: OperatorMailbox | null): Promise<string> {
      const client = imapClient(mailbox);
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.logout();
        return 'connecté';
      } catch (error) {
        const e = error as { message?: string; responseText?: string; code?: string };
        return `${e.responseText ?? ''} ${e.code ?? ''} ${e.message ?? ''}`;
      }
    }

    it('starts with the documented mailboxes and domains', () => {
      console.info(`opérateur MSSanté démarré en ${Math.round(op.startedInMs)} ms`);
      expect(op.domains).toEqual({ pro: ['cabinet.test-mssante.fr', 'hopital.test-mssante.fr'], patient: 'patient.mssante.fr' });
      expect(martin.address).toBe('marie.martin@cabinet.test-mssante.fr');
      expect(petit.address).toBe('julien.petit@hopital.test-mssante.fr');
      expect(op.mailboxes.filter((m) => m.opens).map((m) => m.identity)).toEqual(['medecin-martin', 'infirmier-petit']);
      console.info(`[mss-operator] démarré en ${op.startedInMs} ms`);
    });

    it('a good certificate opens its own mailbox, whatever login is typed; QRESYNC and $MDNSent work', async () => {
      await op.deliverRaw(
        martin.address,
        Buffer.from(
          `From: test@hopital.test-mssante.fr\r\nTo: ${martin.address}\r\nSubject: depot direct\r\nMessage-ID: <depot-1@test>\r\n\r\nbonjour\r\n`,
        ),
      );
      const client = imapClient(martin, { user: petit.address }); // typed login is someone else's: the certificate wins
      await client.connect();
      try {
        expect(client.capabilities.has('CONDSTORE')).toBe(true);
        expect(client.capabilities.has('QRESYNC')).toBe(true);
        expect(client.enabled.has('QRESYNC') || client.enabled.has('CONDSTORE')).toBe(true);
        const lock = await client.getMailboxLock('INBOX');
        try {
          const found = await client.search({ header: { 'message-id': '<depot-1@test>' } }, { uid: true });
          expect(found).toHaveLength(1);
          expect(await client.messageFlagsAdd(found as number[], ['$MDNSent'], { uid: true })).toBe(true);
          const fetched = await client.fetchOne(String((found as number[])[0]), { flags: true }, { uid: true });
          expect(fetched && fetched.flags?.has('$MDNSent')).toBe(true);
          expect(typeof (fetched && fetched.modseq)).toBe('bigint');
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
      // The nurse's own mailbox does not hold the GP's mail.
      expect((await inbox(petit, 0, 0)).some((m) => m.toString().includes('depot-1@test'))).toBe(false);
    });

    it('IMAP with STARTTLS on the other port, same certificate rule', async () => {
      const client = imapClient(martin, { port: op.imapStarttls.port, secure: false });
      await client.connect();
      expect(client.authenticated).toBeTruthy();
      await client.logout();
    });

    it('refuses no certificate, a foreign authority, a revoked card (CRL) and an expired card', async () => {
      expect(await loginError(null)).toMatch(/certificate|certificat|ssl|ECONNRESET|closed/i);
      for (const identity of ['etranger-moreau', 'revoque-durand', 'expire-leroy']) {
        const error = await loginError(box(identity));
        expect(error, identity).not.toBe('connecté');
        // With token logins on (auth_ssl_require_client_cert = no), Dovecot no longer cuts before authentication
        // (« client didn't send a cert » / « client sent an invalid cert » in its log): the certificate passdb
        // finds no verified certificate and IMAP says so.
        expect(error, identity).toMatch(/Certificat-client-IGC-Sante-valide-exige/);
      }
      expect(await loginError(null)).toMatch(/Certificat-client-IGC-Sante-valide-exige/);
    });

    it('submission: sender must be the certificate’s mailbox; no, revoked or foreign certificate refused', async () => {
      await expect(
        smtpTransport(martin).sendMail({ from: petit.address, to: petit.address, subject: 'usurpation', text: 'x' }),
      ).rejects.toThrow(/boite du certificat/);
      await expect(
        smtpTransport(null).sendMail({ from: martin.address, to: petit.address, subject: 'sans certificat', text: 'x' }),
      ).rejects.toThrow(/No client certificate presented/);
      await expect(
        smtpTransport(box('revoque-durand')).sendMail({
          from: 'paul.durand@cabinet.test-mssante.fr',
          to: petit.address,
          subject: 'revoque',
          text: 'x',
        }),
      ).rejects.toThrow(/revoque ou inconnu/);
      await expect(
        smtpTransport(box('etranger-moreau')).sendMail({
          from: 'hugo.moreau@hopital.test-mssante.fr',
          to: petit.address,
          subject: 'etranger',
          text: 'x',
        }),
      ).rejects.toThrow();
    });

    it('pro → pro: delivered over LMTP, visible over IMAP, with a DSN « delivered » for NOTIFY=SUCCESS (RET/ENVID honoured)', async () => {
      const before = (await inbox(martin, 0, 0)).length;
      const sent = await smtpTransport(martin).sendMail({
        from: martin.address,
        to: petit.address,
        subject: 'Compte rendu',
        text: 'Bonjour, voici le compte rendu.',
        dsn: { id: 'envoi-42', return: 'headers', notify: ['success', 'failure'], recipient: martin.address },
      });
      expect(sent.accepted).toEqual([petit.address]);
      const received = await inbox(petit, 1);
      expect(received.some((m) => m.toString().includes(sent.messageId))).toBe(true);
      const mine = await inbox(martin, before + 1);
      const reports = await Promise.all(mine.map((m) => parseEml(m)));
      const dsn = reports.find((r) => r.accuse?.type === 'DSN' && r.accuse.originalEnvelopeId === 'envoi-42');
      expect(dsn?.accuse).toMatchObject({ type: 'DSN', statut: 'remis' });
      expect(dsn?.accuse?.type === 'DSN' && dsn.accuse.recipients[0]?.action).toBe('delivered');
    });

    it('unknown recipient in an operator domain → DSN failure 5.1.1 in the sender’s mailbox', async () => {
      const before = (await inbox(martin, 0, 0)).length;
      const sent = await smtpTransport(martin).sendMail({
        from: martin.address,
        to: 'inconnu@hopital.test-mssante.fr',
        subject: 'Pour personne',
        text: 'x',
        dsn: { id: 'envoi-43', return: 'headers', notify: ['failure'], recipient: martin.address },
      });
      expect(sent.accepted).toEqual(['inconnu@hopital.test-mssante.fr']);
      const mine = await inbox(martin, before + 1);
      const reports = await Promise.all(mine.map((m) => parseEml(m)));
      const dsn = reports.find((r) => r.accuse?.type === 'DSN' && r.accuse.originalEnvelopeId === 'envoi-43');
      expect(dsn?.accuse).toMatchObject({ type: 'DSN', statut: 'echec' });
      expect(dsn?.accuse?.type === 'DSN' && dsn.accuse.recipients[0]).toMatchObject({ action: 'failed', status: '5.1.1' });
      expect(dsn?.accuse?.type === 'DSN' && dsn.accuse.originalMessageId).toBe(sent.messageId);
    });

    describe('Mon espace santé stand-in', () => {
      it('an active patient receives; unknown and closed patients give a DSN failure with a French explanation', async () => {
        const before = (await inbox(martin, 0, 0)).length;
        const transport = smtpTransport(martin);
        const ok = await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_ACTIF),
          subject: 'Vos résultats',
          text: 'Bonjour',
          headers: { 'X-MSS-NIL': 'DEV000000' },
        });
        await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_INCONNU),
          subject: 'Inconnu',
          text: 'x',
          dsn: { id: 'pat-inconnu', notify: ['failure'], return: 'headers', recipient: martin.address },
        });
        await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_CLOS),
          subject: 'Clos',
          text: 'x',
          dsn: { id: 'pat-clos', notify: ['failure'], return: 'headers', recipient: martin.address },
        });
        await op.flush();
        const patientInbox = await op.patient.inbox(PATIENT_ACTIF);
        expect(patientInbox.some((m) => m.includes(ok.messageId))).toBe(true);
        expect(await op.patient.inbox(PATIENT_CLOS)).toEqual([]);
        const reports = await Promise.all((await inbox(martin, before + 2)).map((m) => parseEml(m)));
        const byEnvid = (id: string) => reports.find((r) => r.accuse?.type === 'DSN' && r.accuse.originalEnvelopeId === id)?.accuse;
        const inconnu = byEnvid('pat-inconnu');
        const clos = byEnvid('pat-clos');
        expect(inconnu?.type === 'DSN' && inconnu.recipients[0]).toMatchObject({ action: 'failed', status: '5.1.1' });
        expect(inconnu?.type === 'DSN' && inconnu.recipients[0]?.diagnostic).toMatch(/aucun profil Mon espace sante/);
        expect(clos?.type === 'DSN' && clos.recipients[0]).toMatchObject({ action: 'failed', status: '5.2.1' });
        expect(clos?.type === 'DSN' && clos.recipients[0]?.diagnostic).toMatch(/clos/);
      });

      it('a patient cannot start a thread, nor reply to a message from someone else', async () => {
        await expect(op.patient.send(PATIENT_ACTIF, { to: martin.address, inReplyTo: '', text: 'Bonjour docteur' })).rejects.toThrow(
          /ne peut pas commencer une conversation/,
        );
        await expect(
          op.patient.send(PATIENT_ACTIF, { to: martin.address, inReplyTo: '<inexistant@cabinet.test-mssante.fr>', text: 'x' }),
        ).rejects.toThrow(/aucun message/);
        const [first] = await op.patient.inbox(PATIENT_ACTIF);
        const id = /^Message-ID:\s*(<[^>]+>)/im.exec(first!)![1]!;
        await expect(op.patient.send(PATIENT_ACTIF, { to: petit.address, inReplyTo: id, text: 'x' })).rejects.toThrow(/aucun message/);
      });

      it('the patient replies in an open thread; the reply reaches the professional; after FIN, replies are refused', async () => {
        const transport = smtpTransport(martin);
        const open = await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_ACTIF),
          subject: 'Question',
          text: 'Comment allez-vous ?',
        });
        await op.flush();
        const before = (await inbox(martin, 0, 0)).length;
        const replyId = await op.patient.send(PATIENT_ACTIF, { to: martin.address, inReplyTo: open.messageId, text: 'Très bien, merci.' });
        const mine = await inbox(martin, before + 1);
        const reply = (await Promise.all(mine.map((m) => parseEml(m)))).find((r) => r.messageId === replyId);
        expect(reply).toMatchObject({ inReplyTo: open.messageId, from: [patientAddress(PATIENT_ACTIF)] });

        const closing = await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_ACTIF),
          subject: 'Re: Question',
          text: 'Parfait, à bientôt.',
          inReplyTo: replyId,
          references: [open.messageId, replyId],
          headers: { 'X-MSS-MES': 'FIN' },
        });
        await op.flush();
        await expect(
          op.patient.send(PATIENT_ACTIF, { to: martin.address, inReplyTo: closing.messageId, text: 'Encore une question' }),
        ).rejects.toThrow(/X-MSS-MES: FIN/);
        // The thread is closed, including its earlier message.
        await expect(op.patient.send(PATIENT_ACTIF, { to: martin.address, inReplyTo: open.messageId, text: 'Et ceci ?' })).rejects.toThrow(
          /clos/,
        );
      });

      it('sends an MDN (RFC 8098, displayed) when the patient’s flag is on and the mail asks for one; none otherwise', async () => {
        const transport = smtpTransport(martin);
        const before = (await inbox(martin, 0, 0)).length;
        const silent = await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_ACTIF),
          subject: 'Sans accusé (drapeau éteint)',
          text: 'x',
          headers: { 'Disposition-Notification-To': martin.address },
        });
        await op.flush();
        await op.patient.settled();
        op.patient.setReadReceipts(PATIENT_ACTIF, true);
        const asked = await transport.sendMail({
          from: martin.address,
          to: patientAddress(PATIENT_ACTIF),
          subject: 'Avec accusé',
          text: 'x',
          headers: { 'Disposition-Notification-To': martin.address },
        });
        await op.flush();
        await op.patient.settled();
        await op.flush();
        const reports = await Promise.all((await inbox(martin, before + 1)).map((m) => parseEml(m)));
        const mdns = reports.filter((r) => r.accuse?.type === 'MDN');
        expect(mdns.map((r) => r.accuse?.type === 'MDN' && r.accuse.originalMessageId)).toEqual([asked.messageId]);
        expect(mdns[0]?.accuse).toMatchObject({ type: 'MDN', statut: 'lu', finalRecipient: expect.stringContaining(PATIENT_ACTIF) });
        expect(mdns.some((r) => r.accuse?.type === 'MDN' && r.accuse.originalMessageId === silent.messageId)).toBe(false);
      });
    });

    describe('Pro Santé Connect access tokens (e-CPS)', () => {
      /** A form POST to the PSC sandbox, authenticated as Cabinet's client. */
      function pscPost(route: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
        return new Promise((resolve, reject) => {
          const request = https.request(
            `${psc.url}/protocol/openid-connect/${route}`,
            {
              method: 'POST',
              agent: pscAgent,
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: `Basic ${Buffer.from(`${sandboxClient.clientId}:${sandboxClient.clientSecret}`).toString('base64')}`,
              },
            },
            (response) => {
              let text = '';
              response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
              response.on('end', () =>
                resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }),
              );
            },
          );
          request.on('error', reject);
          request.end(new URLSearchParams(form).toString());
        });
      }

      /** CIBA as Cabinet does it, the practitioner approving on the phone: access and refresh tokens. */
      async function pscLogin(idNatPs: string): Promise<{ access: string; refresh: string }> {
        const ack = await pscPost('ext/ciba/auth', {
          scope: 'openid scope_all',
          acr_values: 'eidas1',
          login_hint: idNatPs,
          binding_message: 'AB12',
        });
        expect(ack.status, JSON.stringify(ack.body)).toBe(200);
        psc.approve(String(ack.body.auth_req_id));
        const tokens = await pscPost('token', { grant_type: CIBA_GRANT, auth_req_id: String(ack.body.auth_req_id) });
        expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
        return { access: String(tokens.body.access_token), refresh: String(tokens.body.refresh_token) };
      }

      /** imapflow with a token (it picks OAUTHBEARER when offered): « connecté » or the server's refusal. */
      async function tokenLogin(user: string, accessToken: string): Promise<string> {
        const client = new ImapFlow({
          host: op.imap.host,
          port: op.imap.port,
          secure: true,
          logger: false,
          tls: { ca: op.ca, servername: op.servername },
          auth: { user, accessToken },
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.logout();
          return 'connecté';
        } catch (error) {
          const e = error as { message?: string; responseText?: string };
          return `${e.responseText ?? ''} ${e.message ?? ''}`;
        }
      }

      /** SASL XOAUTH2 spelled out on a raw IMAPS connection (RFC 7628 predecessor, Google's format); returns the tagged answer. */
      async function xoauth2Raw(user: string, accessToken: string): Promise<string> {
        const socket = tls.connect({ host: op.imap.host, port: op.imap.port, ca: op.ca, servername: op.servername });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        const until = async (pattern: RegExp) => {
          const deadline = Date.now() + 10_000;
          while (!pattern.test(text)) {
            if (Date.now() > deadline) throw new Error(`réponse IMAP attendue ${pattern} : ${text}`);
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        try {
          await until(/^\* OK/m);
          const sasl = Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`).toString('base64');
          socket.write(`a1 AUTHENTICATE XOAUTH2 ${sasl}\r\n`);
          await until(/^(a1 (OK|NO|BAD).*|\+ .*)$/m);
          if (/^\+ /m.test(text) && !/^a1 /m.test(text)) socket.write('\r\n'); // XOAUTH2 error challenge: an empty answer ends it
          await until(/^a1 (OK|NO|BAD)/m);
          return /^a1 .*$/m.exec(text)![0];
        } finally {
          socket.destroy();
        }
      }

      const tokenTransport = (user: string, accessToken: string | null) =>
        nodemailer.createTransport({
          host: op.smtpToken!.host,
          port: op.smtpToken!.port,
          secure: false,
          requireTLS: true,
          tls: { ca: op.ca, servername: op.servername },
          connectionTimeout: 10_000,
          ...(accessToken ? { auth: { type: 'OAuth2' as const, user, accessToken } } : {}),
        });

      const REFUSED = /Authentication failed|authentication failure/i;

      it('a valid token opens the practitioner’s own mailbox over IMAP (OAUTHBEARER with imapflow, XOAUTH2 raw)', async () => {
        expect(op.smtpToken).not.toBeNull();
        const marker = `<jeton-${Date.now()}@cabinet.test-mssante.fr>`;
        await op.deliverRaw(
          martin.address,
          Buffer.from(
            `From: ${petit.address}\r\nTo: ${martin.address}\r\nSubject: pour la e-CPS\r\nMessage-ID: ${marker}\r\n\r\nBonjour\r\n`,
          ),
        );
        const { access } = await pscLogin(martin.idNatPs);
        expect(await tokenLogin(martin.address, access)).toBe('connecté');
        expect(await xoauth2Raw(martin.address, access)).toMatch(/^a1 OK/);
        // Same Maildir as with the card: the session is the mailbox address.
        const client = new ImapFlow({
          host: op.imap.host,
          port: op.imap.port,
          secure: true,
          logger: false,
          tls: { ca: op.ca, servername: op.servername },
          auth: { user: martin.address, accessToken: access },
        });
        await client.connect();
        try {
          const found = await client.getMailboxLock('INBOX').then(async (lock) => {
            try {
              return await client.search({ header: { 'message-id': marker } });
            } finally {
              lock.release();
            }
          });
          expect(Array.isArray(found) && found.length).toBe(1);
        } finally {
          await client.logout().catch(() => undefined);
        }
      });

      it('submits over SMTP with XOAUTH2 from its own mailbox; another sender, no token: refused; the certificate port still wants a certificate', async () => {
        const { access } = await pscLogin(martin.idNatPs);
        const before = (await inbox(petit, 0, 0)).length;
        const sent = await tokenTransport(martin.address, access).sendMail({
          from: martin.address,
          to: petit.address,
          subject: 'Envoyé avec e-CPS',
          text: 'Bonjour Julien',
        });
        expect(sent.accepted).toEqual([petit.address]);
        const received = await Promise.all((await inbox(petit, before + 1)).map((m) => parseEml(m)));
        expect(received.some((m) => m.messageId === sent.messageId)).toBe(true);
        await expect(
          tokenTransport(martin.address, access).sendMail({ from: petit.address, to: martin.address, subject: 'usurpation', text: 'x' }),
        ).rejects.toThrow(/not owned by user 899701000012/);
        await expect(
          tokenTransport(martin.address, null).sendMail({ from: martin.address, to: petit.address, subject: 'sans jeton', text: 'x' }),
        ).rejects.toThrow(/Sender address rejected: not logged in/);
        await expect(
          smtpTransport(null).sendMail({ from: martin.address, to: petit.address, subject: 'sans certificat', text: 'x' }),
        ).rejects.toThrow(/No client certificate presented/);
        // A password on the token port: Dovecot's certificate-less IMAP answer must never pass for a success there.
        for (const method of ['PLAIN', 'LOGIN']) {
          const password = nodemailer.createTransport({
            host: op.smtpToken!.host,
            port: op.smtpToken!.port,
            secure: false,
            requireTLS: true,
            tls: { ca: op.ca, servername: op.servername },
            auth: { user: martin.address, pass: 'certificat', method },
          });
          await expect(
            password.sendMail({ from: martin.address, to: petit.address, subject: 'mot de passe', text: 'x' }),
            method,
          ).rejects.toThrow(/535 5\.7\.8/);
        }
      });

      it('a forged, expired or revoked token is refused (IMAP and SMTP); a password without certificate too', async () => {
        const { access, refresh } = await pscLogin(martin.idNatPs);
        const [header, payload] = access.split('.');
        const forged = `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
        expect(await tokenLogin(martin.address, forged)).toMatch(REFUSED);
        expect(await xoauth2Raw(martin.address, forged)).toMatch(/^a1 NO/);
        await expect(
          tokenTransport(martin.address, forged).sendMail({ from: martin.address, to: petit.address, subject: 'faux jeton', text: 'x' }),
        ).rejects.toThrow(/535|454/);
        // Revoked: the practitioner logged out of PSC (session ended), the token is not yet expired.
        expect(await tokenLogin(martin.address, access)).toBe('connecté');
        expect((await pscPost('logout', { refresh_token: refresh })).status).toBe(204);
        expect(await tokenLogin(martin.address, access)).toMatch(REFUSED);
        await expect(
          tokenTransport(martin.address, access).sendMail({ from: martin.address, to: petit.address, subject: 'jeton revoque', text: 'x' }),
        ).rejects.toThrow(/535|454/);
        // Expired: PSC access tokens live 120 s.
        const late = await pscLogin(martin.idNatPs);
        expect(await tokenLogin(martin.address, late.access)).toBe('connecté');
        pscClock.advance(121_000);
        expect(await tokenLogin(martin.address, late.access)).toMatch(REFUSED);
        // The password path still needs a verified certificate.
        const client = imapClient(null, { user: martin.address });
        client.on('error', () => undefined);
        await expect(client.connect()).rejects.toMatchObject({
          responseText: expect.stringMatching(/Certificat-client-IGC-Sante-valide-exige/),
        });
      });

      it('a token does not open someone else’s mailbox, nor one of a practitioner without a mailbox', async () => {
        const nurse = await pscLogin(petit.idNatPs);
        expect(await tokenLogin(petit.address, nurse.access)).toBe('connecté');
        expect(await tokenLogin(martin.address, nurse.access)).toMatch(REFUSED);
        expect(await xoauth2Raw(martin.address, nurse.access)).toMatch(/^a1 NO/);
        expect(await tokenLogin(martin.idNatPs, nurse.access)).toMatch(REFUSED);
        await expect(
          tokenTransport(martin.address, nurse.access).sendMail({
            from: martin.address,
            to: petit.address,
            subject: 'boite d’un autre',
            text: 'x',
          }),
        ).rejects.toThrow(/535/);
        await expect(
          tokenTransport(petit.address, nurse.access).sendMail({
            from: martin.address,
            to: petit.address,
            subject: 'expediteur d’un autre',
            text: 'x',
          }),
        ).rejects.toThrow(/not owned by user 0756012345/);
        // A PSC practitioner whose idNat_PS has no mailbox here (the sandbox's own Dr MARTIN, 899700012349).
        const other = await pscLogin(sandboxPractitioners[0]!.idNatPs);
        expect(await tokenLogin(martin.address, other.access)).toMatch(REFUSED);
      });
    });

    it('a second start in the same folder is refused in French; stop is by PID, waits, and is idempotent', async () => {
      const dovecotPid = readPid(path.join(op.dir, 'dovecot/run/master.pid'))!;
      const postfixPid = readPid(path.join(op.dir, 'postfix/queue/pid/master.pid'))!;
      expect(alive(dovecotPid) && alive(postfixPid)).toBe(true);
      await expect(startMssOperator({ dir: op.dir, pkiDir: path.join(base, 'pki') })).rejects.toThrow(/tourne déjà/);
      // Another folder on the same ports: refused before anything is started.
      await expect(
        startMssOperator({
          dir: path.join(base, 'autre'),
          pkiDir: path.join(base, 'pki'),
          ports: { imaps: op.imap.port, imap: op.imapStarttls.port, submission: op.smtp.port, smtp: op.mx.port },
        }),
      ).rejects.toThrow(/Ports déjà utilisés/);
      const t0 = performance.now();
      await op.stop();
      console.info(`[mss-operator] arrêté en ${Math.round(performance.now() - t0)} ms`);
      expect(alive(dovecotPid)).toBe(false);
      expect(alive(postfixPid)).toBe(false);
      expect(await busyPorts([...Object.values(op.ports), op.smtpToken!.port])).toEqual([]);
      await op.stop();
      // Same folder, same ports, at once: the state and the ports were released.
      const again = await startMssOperator({ dir: op.dir, pkiDir: path.join(base, 'pki'), ports: op.ports });
      // Without PSC: certificates only, refused before authentication as before (no token mechanism offered).
      expect(again.smtpToken).toBeNull();
      const card = new ImapFlow({
        host: again.imap.host,
        port: again.imap.port,
        secure: true,
        logger: false,
        tls: { ...mailboxTls(martin), ca: again.ca, servername: again.servername },
        auth: { user: 'autre@cabinet.test-mssante.fr', pass: 'certificat' },
      });
      await card.connect();
      expect(card.capabilities.has('AUTH=XOAUTH2')).toBe(false);
      await card.logout();
      const bare = new ImapFlow({
        host: again.imap.host,
        port: again.imap.port,
        secure: true,
        logger: false,
        tls: { ca: again.ca, servername: again.servername },
        auth: { user: martin.address, pass: 'certificat' },
      });
      bare.on('error', () => undefined);
      await expect(bare.connect()).rejects.toThrow();
      await expect
        .poll(() => fs.readFileSync(again.logs.dovecot, 'utf8'))
        .toMatch(/client didn't send a cert|Client didn't present valid SSL certificate/);
      const t1 = performance.now();
      await again.stop();
      console.info(`[mss-operator] redémarré en ${again.startedInMs} ms, arrêté en ${Math.round(performance.now() - t1)} ms`);
    });
  },
);
