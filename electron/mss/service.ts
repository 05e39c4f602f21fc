/**
 * MssService: the MSSanté mailbox of the logged-in practitioner, for the
 * renderer (contract group `mss`) and the CLI. Sync into the encrypted store,
 * list/search/read (bodies fetched on demand then cached), compose and send
 * through the durable outbox, receipts timeline (DSN/MDN matched to sent
 * Message-IDs), read receipts we send (RFC 8098, `$MDNSent`), incoming XDM
 * documents linked to a QUAL patient by INS and imported into the record.
 * Every access to mail (patient data) is audited.
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { patientMssAddress, isPatientMssAddress, displaySubject, buildXdmSubject, parseMssAddress } from '../../shared/domain/mss/index.js';
import type { AuditLog } from '../platform/audit/audit-log.js';
import type { CabinetConfig } from '../platform/config/config.js';
import type { Outbox } from '../platform/outbox/outbox.js';
import type { OutboxWorker } from '../platform/outbox/worker.js';
import type { Db } from '../platform/store/database.js';
import type { IdentityService } from '../identity/service.js';
import type { PatientService } from '../patients/service.js';
import { APP_NAME, APP_VERSION } from '../platform/version.js';
import { emlAttachment, parseEml, type ParsedEml } from './parse.js';
import { buildXdm } from './xdm/index.js';
import { readCdaHeader } from './xdm/cda.js';
import { parseMailEndpoint } from './client/endpoint.js';
import { connectImap, type MssAuth } from './client/imap.js';
import { fetchRaw, syncMailbox, type NewMessage, type SyncProgress, type SyncResult } from './client/sync.js';
import { composeMail, type ComposeAttachment } from './client/compose.js';
import { buildMdn, decideMdn } from './client/mdn.js';
import { smtpSend, type SmtpOptions } from './client/send.js';
import { bareAddress, MssStore, type MessageRow, type ReceiptEvent } from './client/store.js';
import { WorkerWriter, type MessageWriter } from './client/writer.js';
import { MSS_SEND_KIND, createMssSender, type MssSendPayload } from './sender.js';
import type { ImapFlow } from 'imapflow';
import type { Receipt } from './receipts.js';
import { randomUUID } from 'node:crypto';
import { deliveryOf, type Delivery } from '../../shared/domain/mss/delivery.js';
import { errorNoticeLabel, parseErrorNotice } from '../../shared/domain/mss/error-notice.js';

/** The sandbox's LPS reference for X-MSS-NIL until the ANS declaration gives the real one. */
export const SANDBOX_NIL = 'CABINET-BAS-0001';

export interface MssServiceOptions {
  db: Db;
  audit: AuditLog;
  outbox: Outbox;
  worker: OutboxWorker;
  config: CabinetConfig;
  env: NodeJS.ProcessEnv;
  serverTrust: readonly string[];
  identity: IdentityService;
  patients: PatientService;
  /** Each real exchange with the operator's servers, for the services' state (`HealthMonitor.observe`): error null on success. */
  observe?: (service: 'mssImap' | 'mssSmtp', error: unknown) => void;
  /** Are mail servers installed (the sandbox operator)? */
  serversAvailable: () => { ok: boolean; message?: string };
  events?: {
    changed?: () => void;
    progress?: (progress: SyncProgress) => void;
    newMail?: (info: { count: number; from: string; subject: string }) => void;
  };
  clock?: () => number;
  /** Explicit mailbox address (CLI `--adresse`); otherwise Réglages « Adresse de votre messagerie MSSanté », then CABINET_MSS_ADRESSE. */
  address?: string;
  /** The practitioner's settings (Réglages). */
  setting?: (key: 'mss.adresse') => string;
  /**
   * The encrypted store's file and a second connection's set-up: the sync then writes in a worker thread
   * (`client/writer.ts`) while the main thread parses the IMAP stream. Without it, writes stay on the main thread.
   */
  workerStore?: { file: string; pragmas: () => string[] };
}

export interface ComposeRequest {
  to: string[];
  cc?: string[];
  subject: string;
  body: string;
  attachments?: ComposeAttachment[];
  /** Write to this patient (address from their qualified INS only) and/or link the mail to them. */
  patientUid?: string;
  toPatient?: boolean;
  /** A CDA to carry in IHE_XDM (+ the PDF beside it). */
  cda?: { xml: Buffer; pdf?: Buffer };
  readReceipt?: boolean;
  fin?: boolean;
  inReplyToRow?: number;
}

/** The test operator's submission port for Pro Santé Connect tokens (`sandboxes/mss-operator/`). */
const SANDBOX_SMTP_TOKEN_URL = 'smtp://localhost:19588';
const RECEIPT_RANK: Record<ReceiptEvent['state'], number> = { envoye: 1, en_attente: 2, remis: 3, lu: 4, echec: 5 };

/**
 * The practitioner's mailbox address: the CLI's `--adresse`, else the Réglages setting, else CABINET_MSS_ADRESSE
 * (what an installation sets for everyone on the post). Lower-cased; a professional MSSanté address only.
 */
export function resolveMssAddress(sources: {
  explicit?: string | undefined;
  setting?: string | undefined;
  env?: string | undefined;
}): string {
  const a = [sources.explicit, sources.setting, sources.env].map((v) => (v ?? '').trim().toLowerCase()).find((v) => v !== '') ?? '';
  if (!a)
    throw new CabinetError(
      'CONFIG_INVALID',
      'Adresse MSSanté non configurée : indiquez l’adresse de votre messagerie dans Réglages (ou CABINET_MSS_ADRESSE, ou --adresse).',
    );
  const parsed = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a) ? parseMssAddress(a) : null;
  if (!parsed) throw new CabinetError('CONFIG_INVALID', `Adresse MSSanté invalide : ${a}`);
  if (parsed.kind === 'patient')
    throw new CabinetError(
      'CONFIG_INVALID',
      `Adresse MSSanté invalide : ${a} est une adresse de patient (Mon espace santé), pas celle d’un professionnel.`,
    );
  return a;
}

/**
 * What the sync's `onNew` keeps of the new messages (the app's, and the bench's): how many arrived in INBOX, the
 * newest one (for the desktop notification: one read per batch, not one per message) and the DSN/MDN reports to
 * read after the FETCH.
 */
export function newMailTracker(store: MssStore) {
  const tracker = {
    fresh: 0,
    last: null as { from: string; subject: string } | null,
    reports: [] as NewMessage[],
    onNew(messages: NewMessage[]): void {
      let newest: NewMessage | null = null;
      for (const m of messages) {
        if (m.folder.path !== 'INBOX') continue;
        // Delivery and read reports are not new mail for the practitioner: they update the sent mail's timeline.
        if (m.type.toLowerCase() === 'multipart/report') {
          tracker.reports.push(m);
          continue;
        }
        tracker.fresh += 1;
        newest = m;
      }
      const row = newest && store.message(newest.rowId);
      if (row) tracker.last = { from: row.from[0]?.address ?? '', subject: displaySubject(row.subject) };
    },
  };
  return tracker;
}

export class MssService {
  private syncing: Promise<SyncResult> | null = null;
  private lastSync: { at: string; result: SyncResult } | null = null;
  private readonly stores = new Map<string, MssStore>();
  private writer: MessageWriter | null = null;

  constructor(private readonly o: MssServiceOptions) {
    const send = createMssSender({
      connections: { imap: () => this.openImap(), smtp: async () => this.smtpOptions() },
      store: (account) => this.storeFor(account),
      onSent: () => o.events?.changed?.(),
    });
    o.worker.register(MSS_SEND_KIND, async (item, context) => {
      try {
        const result = await send(item, context);
        o.observe?.('mssSmtp', null);
        return result;
      } catch (error) {
        this.observeMailError(error);
        throw error;
      }
    });
  }

  private now(): Date {
    return new Date((this.o.clock ?? Date.now)());
  }

  private actor(): string {
    return this.o.identity.session.require().practitioner.idNatPs;
  }

  address(): string {
    return resolveMssAddress({ explicit: this.o.address, setting: this.o.setting?.('mss.adresse'), env: this.o.env.CABINET_MSS_ADRESSE });
  }

  nil(): string {
    return (this.o.env.CABINET_MSS_NIL ?? '').trim() || (this.o.config.env === 'sandbox' ? SANDBOX_NIL : '');
  }

  storeFor(account: string): MssStore {
    let s = this.stores.get(account);
    if (!s) {
      s = new MssStore(this.o.db, account, this.o.clock);
      this.stores.set(account, s);
    }
    return s;
  }

  private store(): MssStore {
    return this.storeFor(this.address());
  }

  private auth(): MssAuth {
    const credentials = this.o.identity.session.require();
    const token = credentials.accessToken?.() ?? null;
    return { user: this.address(), tls: credentials.tls, ...(token ? { accessToken: token } : {}) };
  }

  private trust() {
    return { extraCa: [...this.o.serverTrust] };
  }

  async openImap(): Promise<ImapFlow> {
    const options = { endpoint: parseMailEndpoint(this.o.config.endpoints.mssImap.url, 'imap'), auth: this.auth(), trust: this.trust() };
    try {
      const client = await connectImap(options);
      this.o.observe?.('mssImap', null);
      return client;
    } catch (error) {
      this.o.observe?.('mssImap', error);
      throw error;
    }
  }

  /** A mail error names its server (`explainMailError`): that server's state follows it. */
  private observeMailError(error: unknown): void {
    const server = (error as { details?: { server?: unknown } } | null)?.details?.server;
    if (server === 'SMTP') this.o.observe?.('mssSmtp', error);
    else if (server === 'IMAP') this.o.observe?.('mssImap', error);
  }

  /**
   * The submission endpoint: with a Pro Santé Connect token (e-CPS session) the operator's token port when it has one
   * (`CABINET_MSS_SMTP_TOKEN_URL`; the test operator's 19588 in the sandbox), otherwise the certificate one.
   */
  smtpOptions(): SmtpOptions {
    const auth = this.auth();
    const tokenUrl = this.o.env.CABINET_MSS_SMTP_TOKEN_URL?.trim() || (this.o.config.env === 'sandbox' ? SANDBOX_SMTP_TOKEN_URL : '');
    const url = auth.accessToken && tokenUrl ? tokenUrl : this.o.config.endpoints.mssSmtp.url;
    return { endpoint: parseMailEndpoint(url, 'smtp'), auth, trust: this.trust() };
  }

  private async withImap<T>(body: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.openImap();
    try {
      return await body(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  status() {
    const servers = this.o.serversAvailable();
    let address: string | null;
    try {
      address = this.address();
    } catch {
      address = null;
    }
    const folders = address ? this.storeFor(address).folders() : [];
    return {
      configured: Boolean(this.o.config.endpoints.mssImap.url && this.o.config.endpoints.mssSmtp.url && address),
      serversAvailable: servers.ok,
      serversMessage: servers.ok ? null : (servers.message ?? 'Les serveurs de messagerie ne sont pas installés sur cet ordinateur.'),
      address,
      imap: this.o.config.endpoints.mssImap.url,
      smtp: this.o.config.endpoints.mssSmtp.url,
      syncing: this.syncing !== null,
      lastSync: this.lastSync ? { at: this.lastSync.at, added: this.lastSync.result.added, ms: this.lastSync.result.ms } : null,
      unread: folders.find((f) => f.path === 'INBOX')?.unread ?? 0,
    };
  }

  // -- sync -----------------------------------------------------------------

  /**
   * The sync's write worker (`workerStore`): started by `prepare()` when the practitioner logs in (app hosts), or else
   * at the first sync before the IMAP connection (it comes up during the TLS handshake and login); then kept for
   * the next syncs (idle, it does not hold the process) until `close()`. Dropped after a failure: the next sync
   * starts a new one.
   */
  private syncWriter(): MessageWriter | undefined {
    if (!this.o.workerStore) return undefined;
    if (!this.writer) {
      const writer = new WorkerWriter({ file: this.o.workerStore.file, pragmas: this.o.workerStore.pragmas() }, { idle: true });
      void writer.ready().catch(() => undefined); // a failure is given again to the sync's first write
      this.writer = writer;
    }
    return this.writer;
  }

  /**
   * Starts the sync's write worker ahead of the first sync, when a mailbox is configured (the app hosts call it
   * when the practitioner logs in): the first sync then finds it ready, instead of waiting for a thread and a
   * connection to come up. Idempotent.
   */
  prepare(): void {
    try {
      this.address();
    } catch {
      return; // no mailbox configured: nothing to prepare
    }
    this.syncWriter();
  }

  /** Releases the sync's write worker (its connection), after its pending writes. */
  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    await writer?.close();
  }

  /** Syncs every folder; one sync at a time (a second call waits for the running one). */
  async sync(onProgress?: (p: SyncProgress) => void): Promise<SyncResult> {
    if (this.syncing) return this.syncing;
    const actor = this.actor();
    const store = this.store();
    this.syncing = (async () => {
      let receipts = 0;
      const tracker = newMailTracker(store);
      const writer = this.syncWriter();
      const result = await this.withImap(async (client) => {
        const synced = await syncMailbox(client, store, {
          ...(writer ? { writer } : {}),
          onProgress: (p) => {
            onProgress?.(p);
            this.o.events?.progress?.(p);
          },
          onNew: tracker.onNew,
        }).catch(async (error: unknown) => {
          if (writer && error instanceof CabinetError && error.code === 'STORE_UNAVAILABLE' && this.writer === writer) await this.close();
          throw error;
        });
        // Reports are read after the fetch: no other IMAP command is sent while a FETCH streams.
        for (const m of tracker.reports.slice(0, 2000)) receipts += await this.handleIncoming(client, store, m);
        // ANS error notices (ordinary mails « [Erreur d’intégration !][902] … »): a failure in the answered mail's timeline.
        receipts += await this.applyErrorNotices(client, store);
        return synced;
      });
      this.lastSync = { at: this.now().toISOString(), result };
      this.o.audit.append({
        actor,
        action: 'mss.sync',
        details: { ajoutes: result.added, modifies: result.updated, supprimes: result.removed, accuses: receipts, ms: result.ms },
      });
      if (tracker.fresh > 0 && tracker.last) this.o.events?.newMail?.({ count: tracker.fresh, ...tracker.last });
      this.o.events?.changed?.();
      return result;
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  /** A new INBOX message: a DSN/MDN about one of our mails updates its timeline (returns 1), else 0. */
  private async handleIncoming(client: ImapFlow, store: MssStore, m: NewMessage): Promise<number> {
    const row = store.message(m.rowId);
    if (!row) return 0;
    try {
      const raw = await fetchRaw(client, row.folderPath, row.uid, 5 * 1024 * 1024);
      const parsed = await parseEml(raw);
      store.saveBody(row.id, raw, parsed.texte ?? null, summarise(parsed));
      const applied = parsed.accuse
        ? this.applyReceipt(store, parsed.accuse, `uid:${row.folderPath}:${row.uid}`, row.date ?? this.now().toISOString())
        : 0;
      // A report about one of our mails updates its timeline (Envois) and is not unread mail: it is marked read, here and on the server.
      if (applied) await this.markReportRead(client, store, row).catch(() => undefined);
      return applied;
    } catch {
      return 0; // a malformed report stays an ordinary message; reading it shows the reason
    }
  }

  /**
   * The ANS « courriel standard » error notice answers one of our mails (In-Reply-To / References):
   * its timeline gets « échec » with the code's meaning, and the notice is marked read. Others stay as they are.
   */
  private async applyErrorNotices(client: ImapFlow, store: MssStore): Promise<number> {
    let applied = 0;
    for (const row of store.unreadErrorNotices()) {
      const notice = parseErrorNotice(row.subject);
      if (!notice) continue;
      const messageId = [row.inReplyTo, row.thread].find((id): id is string => Boolean(id && store.sent(id)));
      if (!messageId) continue;
      const sent = store.sent(messageId)!;
      const from = bareAddress(row.from[0]?.address);
      const recipients = sent.recipients.filter((r) => bareAddress(r) === from);
      for (const recipient of recipients.length > 0 ? recipients : sent.recipients) {
        store.addReceipt(messageId, {
          recipient,
          state: 'echec',
          label: errorNoticeLabel(notice),
          at: row.date ?? this.now().toISOString(),
          source: `notice:${row.folderPath}:${row.uid}`,
        });
      }
      await this.markReportRead(client, store, row).catch(() => undefined);
      applied += 1;
    }
    return applied;
  }

  private async markReportRead(
    client: ImapFlow,
    store: MssStore,
    row: { id: number; folderPath: string; uid: number; flags: string[] },
  ): Promise<void> {
    if (row.flags.includes('\\Seen')) return;
    await client.mailboxOpen(row.folderPath);
    await client.messageFlagsAdd(String(row.uid), ['\\Seen'], { uid: true });
    store.setLocalFlags(row.id, [...row.flags, '\\Seen']);
  }

  private applyReceipt(store: MssStore, receipt: Receipt, source: string, at: string): number {
    const envId =
      receipt.type === 'DSN' && receipt.originalEnvelopeId ? `<${receipt.originalEnvelopeId.replace(/^<|>$/g, '')}>` : undefined;
    const messageId = [receipt.originalMessageId, envId].find((id) => id && store.sent(id));
    if (!messageId) return 0;
    const sent = store.sent(messageId)!;
    if (receipt.type === 'DSN') {
      for (const r of receipt.recipients) {
        const recipient = bareAddress(r.originalRecipient ?? r.finalRecipient) || sent.recipients[0] || '';
        const action = r.action.toLowerCase();
        const state =
          action === 'failed'
            ? 'echec'
            : action === 'delayed'
              ? 'en_attente'
              : action === 'delivered' || action === 'relayed' || action === 'expanded'
                ? 'remis'
                : null;
        if (state) store.addReceipt(messageId, { recipient, state, label: r.libelle, at, source });
      }
    } else {
      const recipient = bareAddress(receipt.originalRecipient ?? receipt.finalRecipient) || sent.recipients[0] || '';
      const state = receipt.statut === 'lu' ? 'lu' : receipt.statut === 'erreur' ? 'echec' : null;
      if (state) store.addReceipt(messageId, { recipient, state, label: receipt.libelle, at, source });
    }
    return 1;
  }

  /**
   * What happened to a sent mail (Envois): « envoyé » until a receipt says « remis », « lu » or « échec ».
   * Sent mails and receipts are keyed by Message-ID, whatever the account. Null for a mail this post did not send.
   */
  delivery(messageId: string): Delivery | null {
    const store = this.storeFor('*');
    const sent = store.sent(messageId);
    if (!sent) return null;
    return deliveryOf(store.receipts(messageId), sent.recipients);
  }

  // -- reading --------------------------------------------------------------

  folders() {
    return this.store()
      .folders()
      .map((f) => ({
        id: f.id,
        path: f.path,
        name: f.name,
        specialUse: f.specialUse,
        total: f.total,
        unread: f.unread,
        syncedAt: f.syncedAt,
      }));
  }

  list(folderId: number, offset: number, limit: number) {
    const store = this.store();
    if (!store.folderById(folderId)) throw new CabinetError('NOT_FOUND', 'Ce dossier de messagerie n’existe pas.');
    const page = store.list(folderId, offset, limit);
    this.o.audit.append({
      actor: this.actor(),
      action: 'mss.list',
      details: { dossier: folderId, debut: offset, nombre: page.messages.length },
    });
    return { ...page, messages: page.messages.map(summary) };
  }

  search(text: string, limit: number) {
    const results = this.store().search(text, limit);
    this.o.audit.append({ actor: this.actor(), action: 'mss.search', details: { longueur: text.length, resultats: results.length } });
    return results.map(summary);
  }

  /** One message with its body (fetched on first opening, then from the store), documents, receipts, MDN state. */
  async get(id: number) {
    const store = this.store();
    const row = store.message(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Ce message n’existe pas (ou plus).');
    const actor = this.actor();
    let body = store.body(id);
    let parsed: ReturnType<typeof summarise> | null = (body?.parsed as ReturnType<typeof summarise>) ?? null;
    let error: string | null = null;
    if (!body) {
      try {
        const raw = await this.withImap((client) => fetchRaw(client, row.folderPath, row.uid));
        const mail = await parseEml(raw);
        parsed = summarise(mail);
        store.saveBody(id, raw, mail.texte ?? null, parsed);
        this.linkDocuments(store, row, mail);
        body = store.body(id);
      } catch (e) {
        if (!(e instanceof CabinetError)) throw e;
        if (e.code !== 'INVALID_REQUEST') throw e;
        error = e.message;
      }
    }
    // Read receipt asked? (RFC 8098: automatic only when DNT = Return-Path; otherwise the user decides.)
    let mdn: 'aucun' | 'a_demander' | 'envoye' | 'refuse' = 'aucun';
    const known = store.mdnState(id);
    if (known) mdn = known.state;
    else if (body && row.folderPath === 'INBOX') {
      const decision = decideMdn(headerMap(body.raw), row.flags);
      if (decision.kind === 'automatique') {
        await this.sendMdn(id, true).catch(() => store.setMdnState(id, 'a_demander', decision.to)); // failed: the user can send it by hand
        mdn = store.mdnState(id)?.state ?? 'aucun';
      } else if (decision.kind === 'demander') {
        store.setMdnState(id, 'a_demander', decision.to);
        mdn = 'a_demander';
      }
    }
    const documents = store.documents(id);
    this.o.audit.append({
      actor,
      action: 'mss.read',
      subject: row.messageId,
      details: {
        dossier: row.folderPath,
        documents: documents.length,
        patients: documents.filter((d) => d.patientUid).map((d) => d.patientUid),
      },
    });
    const sent = row.messageId ? store.sent(row.messageId) : undefined;
    return {
      ...summary(row),
      text: body?.text ?? null,
      mail: parsed,
      error,
      mdn,
      documents,
      receipts: sent && row.messageId ? this.timeline(row.messageId) : null,
      thread: row.thread ? store.thread(row.thread).map(summary) : [],
    };
  }

  private linkDocuments(store: MssStore, row: MessageRow, mail: ParsedEml): void {
    for (const x of mail.xdm) {
      const archive = x.resultat;
      if (!archive) continue;
      const cdaDoc = archive.documents.find((d) => d.cda && d.contenu);
      const pdfDoc = archive.documents.find((d) => d.metadata.mimeType === 'application/pdf' && d.contenu);
      if (!cdaDoc) continue;
      const ins = cdaDoc.cda?.patient?.ins ?? archive.patient?.ins;
      let patientUid: string | null = null;
      if (ins?.cleValide) {
        const local = this.o.patients.repo.byIns(ins.valeur.slice(0, 13), ins.oid);
        if (local && local.ins_cle === ins.valeur.slice(13)) {
          try {
            this.o.patients.shareableIns(local.uid); // QUAL only
            patientUid = local.uid;
          } catch {
            patientUid = null; // not qualified: « à rapprocher »
          }
        }
      }
      store.upsertDocument({
        messageRow: row.id,
        uniqueId: cdaDoc.metadata.uniqueId ?? `${x.piece}#${cdaDoc.chemin ?? ''}`,
        ins: ins?.valeur ?? null,
        patientUid,
        title: cdaDoc.metadata.title ?? null,
        cda: cdaDoc.contenu ?? null,
        pdf: pdfDoc?.contenu ?? null,
      });
    }
  }

  /** « Importer dans le dossier »: attaches the document to the patient's record (the matched QUAL patient, or the one the user chose). */
  /** One attachment of a message (by its position in the parsed mail's `pieces`), for the viewer or a download. Audited. */
  async attachment(id: number, index: number) {
    const store = this.store();
    const row = store.message(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Ce message n’existe pas (ou plus).');
    let raw = store.body(id)?.raw;
    if (!raw) {
      await this.get(id); // fetches and caches the body (and applies the read-receipt rules) as opening it does
      raw = store.body(id)?.raw;
      if (!raw) throw new CabinetError('INVALID_REQUEST', 'Ce message ne peut pas être lu : ses pièces jointes non plus.');
    }
    const piece = await emlAttachment(raw, index);
    this.o.audit.append({
      actor: this.actor(),
      action: 'mss.attachment',
      subject: row.messageId,
      details: { piece: index, type: piece.contentType, taille: piece.content.length },
    });
    return { filename: piece.filename, contentType: piece.contentType, base64: piece.content.toString('base64') };
  }

  /** The PDF of a document received in an XDM. Audited (patient data). */
  documentPdf(documentId: number) {
    const store = this.store();
    const doc = store.document(documentId);
    const found = doc ? store.documentPdf(documentId) : undefined;
    if (!doc || !found) throw new CabinetError('NOT_FOUND', 'Ce document n’existe pas (ou plus).');
    if (!found.pdf) throw new CabinetError('NOT_FOUND', 'Ce document ne contient pas de PDF.');
    this.o.audit.append({
      actor: this.actor(),
      action: 'mss.document_read',
      subject: doc.patientUid ?? undefined,
      details: { document: doc.uniqueId },
    });
    const base =
      (found.title ?? 'document')
        .replace(/[^\p{L}\p{N} ._-]+/gu, '_')
        .slice(0, 80)
        .trim() || 'document';
    return { filename: `${base}.pdf`, base64: found.pdf.toString('base64') };
  }

  importDocument(documentId: number, patientUid?: string) {
    const actor = this.actor(); // who acts, before anything is read or written
    const store = this.store();
    const doc = store.document(documentId);
    if (!doc || !store.message(doc.messageRow)) throw new CabinetError('NOT_FOUND', 'Ce document n’existe pas (ou plus).');
    const uid = patientUid ?? doc.patientUid;
    if (!uid)
      throw new CabinetError(
        'CONFLICT',
        'Ce document est « à rapprocher » : choisissez le patient (aucune identité qualifiée ne porte cet INS sur ce poste).',
      );
    const ins = this.o.patients.shareableIns(uid); // refuses anything but QUAL
    if (doc.ins && doc.ins !== `${ins.matricule}${ins.cle}`)
      throw new CabinetError('CONFLICT', 'L’INS du document ne correspond pas à celui de ce patient : import refusé.');
    store.markImported(documentId, uid);
    this.o.audit.append({ actor, action: 'mss.import_document', subject: uid, details: { document: doc.uniqueId } });
    this.o.events?.changed?.();
    return { id: documentId, patientUid: uid, state: 'importe' as const };
  }

  async markRead(id: number, read: boolean) {
    const actor = this.actor();
    const store = this.store();
    const row = store.message(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Ce message n’existe pas (ou plus).');
    await this.withImap(async (client) => {
      await client.mailboxOpen(row.folderPath);
      if (read) await client.messageFlagsAdd(String(row.uid), ['\\Seen'], { uid: true });
      else await client.messageFlagsRemove(String(row.uid), ['\\Seen'], { uid: true });
    });
    const flags = read ? [...new Set([...row.flags, '\\Seen'])] : row.flags.filter((f) => f !== '\\Seen');
    store.setLocalFlags(id, flags);
    this.o.audit.append({ actor, action: 'mss.mark_read', subject: row.messageId ?? undefined, details: { lu: read } });
    this.o.events?.changed?.();
    return { id, seen: read };
  }

  /** Sends the read receipt (MDN) for an incoming mail and sets `$MDNSent`; `automatic` = decided without asking. */
  async sendMdn(id: number, automatic = false) {
    const actor = this.actor();
    const store = this.store();
    const row = store.message(id);
    if (!row) throw new CabinetError('NOT_FOUND', 'Ce message n’existe pas (ou plus).');
    if (row.flags.includes('$MDNSent') || store.mdnState(id)?.state === 'envoye') return { id, mdn: 'envoye' as const };
    const body = store.body(id);
    if (!body) throw new CabinetError('CONFLICT', 'Ouvrez le message avant d’envoyer l’accusé de lecture.');
    const headers = headerMap(body.raw);
    const decision = decideMdn(headers, row.flags);
    if (decision.kind === 'aucun') throw new CabinetError('CONFLICT', 'Ce message ne demande pas d’accusé de lecture.');
    if (!row.messageId) throw new CabinetError('CONFLICT', 'Ce message n’a pas d’identifiant (Message-ID) : accusé impossible.');
    const from = this.address();
    const raw = await buildMdn({
      from,
      to: decision.to,
      originalMessageId: row.messageId,
      originalSubject: row.subject,
      originalRecipient: from,
      originalHeaders: headerBlock(body.raw),
      manual: !automatic,
      reportingUa: `${APP_NAME} ${APP_VERSION}`,
      nil: this.nil() || SANDBOX_NIL,
      messageId: `<${randomUUID()}@${from.split('@')[1]}>`,
      date: this.now(),
    });
    // RFC 8098 §2.1 prefers a null return path, but the operator binds the envelope sender to the
    // certificate's mailbox (a null sender is refused), so the MDN goes out from our address, without DSN.
    await smtpSend(this.smtpOptions(), { messageId: '', raw, envelope: { from, to: [decision.to] }, envelopeId: '', dsn: false });
    await this.withImap(async (client) => {
      await client.mailboxOpen(row.folderPath);
      await client.messageFlagsAdd(String(row.uid), ['$MDNSent'], { uid: true });
    });
    store.setLocalFlags(id, [...new Set([...row.flags, '$MDNSent'])]);
    store.setMdnState(id, 'envoye', decision.to);
    this.o.audit.append({ actor, action: 'mss.mdn', subject: row.messageId, details: { a: decision.to, automatique: automatic } });
    return { id, mdn: 'envoye' as const };
  }

  refuseMdn(id: number) {
    const actor = this.actor();
    const store = this.store();
    const state = store.mdnState(id);
    if (!state) throw new CabinetError('CONFLICT', 'Ce message ne demande pas d’accusé de lecture.');
    store.setMdnState(id, 'refuse', state.notifyTo);
    this.o.audit.append({
      actor,
      action: 'mss.mdn_refuse',
      subject: store.message(id)?.messageId ?? undefined,
      details: { a: state.notifyTo },
    });
    return { id, mdn: 'refuse' as const };
  }

  // -- sending --------------------------------------------------------------

  /** Composes, checks and queues a mail in the outbox (kind `mss.send`); the worker sends it. */
  async send(request: ComposeRequest) {
    const actor = this.actor();
    const from = this.address();
    const to = [...request.to];
    let patient: { uid: string; nom: string; prenom: string; dateNaissance: string; ins: string } | null = null;
    if (request.patientUid) {
      const ins = this.o.patients.shareableIns(request.patientUid); // QUAL only
      const detail = this.o.patients.get(request.patientUid, actor);
      patient = {
        uid: request.patientUid,
        nom: detail.usedName ?? detail.birthName,
        prenom: detail.firstName,
        dateNaissance: detail.birthDate,
        ins: `${ins.matricule}${ins.cle}`,
      };
      if (request.toPatient) to.push(patientMssAddress(ins));
    }
    // A patient mailbox typed by hand is refused: the address comes only from a qualified INS.
    const typedPatient = request.to.find((a) => isPatientMssAddress(a));
    if (typedPatient)
      throw new CabinetError(
        'INVALID_REQUEST',
        'L’adresse d’un patient ne se saisit pas : choisissez le patient (son INS qualifié donne son adresse).',
        { field: 'to' },
      );
    if (request.fin && !request.toPatient)
      throw new CabinetError('INVALID_REQUEST', '« Bloquer la réponse du patient » ne s’applique qu’à un message adressé au patient.', {
        field: 'fin',
      });
    let subject = request.subject;
    let xdm: { zip: Buffer; cdaCodes: string[]; insQualifie: boolean } | undefined;
    const attachments = [...(request.attachments ?? [])];
    if (request.cda) {
      if (!patient)
        throw new CabinetError('INVALID_REQUEST', 'Un document CDA s’envoie pour un patient : choisissez le patient.', {
          field: 'patientUid',
        });
      const header = readCdaHeader(request.cda.xml);
      const cdaIns = header.patient?.ins?.valeur;
      if (cdaIns !== patient.ins)
        throw new CabinetError('INVALID_REQUEST', 'L’INS du document CDA n’est pas celui du patient choisi : envoi refusé.', {
          field: 'cda',
        });
      const zip = await buildXdm({
        cda: { xml: request.cda.xml },
        ...(request.cda.pdf ? { pdf: { data: request.cda.pdf } } : {}),
        product: { name: APP_NAME, version: APP_VERSION },
      });
      xdm = { zip, cdaCodes: [header.code.code], insQualifie: true };
      if (request.cda.pdf) attachments.push({ filename: 'document.pdf', content: request.cda.pdf, contentType: 'application/pdf' });
      const libelle = header.code.displayName ?? header.title ?? 'Document';
      subject = buildXdmSubject({ libelles: [libelle], nom: patient.nom, prenom: patient.prenom, dateNaissance: patient.dateNaissance });
    }
    const nil = this.nil();
    let inReplyTo: string | undefined;
    let references: string[] | undefined;
    if (request.inReplyToRow !== undefined) {
      const original = this.store().message(request.inReplyToRow);
      if (!original?.messageId) throw new CabinetError('NOT_FOUND', 'Le message auquel vous répondez n’existe plus.');
      inReplyTo = original.messageId;
      references = [...(original.thread && original.thread !== original.messageId ? [original.thread] : []), original.messageId];
    }
    const mail = await composeMail({
      from,
      to,
      ...(request.cc ? { cc: request.cc } : {}),
      subject,
      text: request.body,
      attachments,
      ...(xdm ? { xdm } : {}),
      readReceipt: Boolean(request.readReceipt),
      fin: Boolean(request.fin),
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references ? { references } : {}),
      nil,
      date: this.now(),
    });
    const payload: MssSendPayload = {
      account: from,
      messageId: mail.messageId,
      raw: mail.raw.toString('base64'),
      envelope: mail.envelope,
      envelopeId: mail.envelopeId,
      dsn: true,
    };
    const store = this.store();
    store.recordSent({
      messageId: mail.messageId,
      outboxKey: mail.messageId,
      sender: from,
      recipients: mail.envelope.to,
      subject,
      patientUid: patient?.uid ?? null,
      readReceipt: Boolean(request.readReceipt),
      fin: Boolean(request.fin),
    });
    const { item } = this.o.outbox.enqueue({
      kind: MSS_SEND_KIND,
      idempotencyKey: mail.messageId,
      summary: `Message « ${displaySubject(subject).slice(0, 80)} » — ${mail.envelope.to.join(', ')}`.slice(0, 300),
      payload,
      groupKey: patient?.uid ?? null,
    });
    this.o.audit.append({
      actor,
      action: 'mss.send',
      subject: patient?.uid ?? null,
      details: {
        messageId: mail.messageId,
        destinataires: mail.envelope.to.length,
        patient: Boolean(patient),
        document: Boolean(xdm),
        accuseLecture: Boolean(request.readReceipt),
        fin: Boolean(request.fin),
      },
    });
    this.o.worker.kick();
    this.o.events?.changed?.();
    return { messageId: mail.messageId, outboxId: item.id, state: item.state, recipients: mail.envelope.to, size: mail.raw.length };
  }

  /** Per recipient: envoyé → remis → lu, or échec with the reason. */
  timeline(messageId: string) {
    const store = this.store();
    const sent = store.sent(messageId);
    if (!sent) throw new CabinetError('NOT_FOUND', 'Ce message n’a pas été envoyé depuis ce poste.');
    const events = store.receipts(messageId);
    return {
      messageId,
      subject: displaySubject(sent.subject),
      createdAt: sent.createdAt,
      recipients: sent.recipients.map((recipient) => {
        const mine = events.filter((e) => e.recipient === bareAddress(recipient));
        const current = mine.reduce<ReceiptEvent | null>(
          (best, e) => (!best || RECEIPT_RANK[e.state] >= RECEIPT_RANK[best.state] ? e : best),
          null,
        );
        return {
          recipient,
          state: current?.state ?? ('en_file' as const),
          label: current?.label ?? 'dans la file d’envoi',
          events: mine.map((e) => ({ state: e.state, label: e.label, at: e.at })),
        };
      }),
    };
  }
}

function summary(row: MessageRow) {
  const patientAddress = [...row.to, ...row.from].map((a) => a.address ?? '').find((a) => isPatientMssAddress(a)) ?? null;
  return {
    id: row.id,
    folderId: row.folderId,
    uid: row.uid,
    messageId: row.messageId,
    subject: displaySubject(row.subject),
    xdm: row.subject.includes('XDM/1.0/DDM+'),
    from: row.from,
    to: row.to,
    cc: row.cc,
    date: row.date,
    size: row.size,
    seen: row.seen,
    flags: row.flags,
    hasAttachments: row.hasAttachments,
    patientAddress,
  };
}

/** What is kept of a parsed mail (no document bytes). */
function summarise(mail: ParsedEml) {
  return {
    messageId: mail.messageId ?? null,
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    sujet: mail.sujet.affichage,
    accuseLectureDemandeA: mail.accuseLectureDemandeA,
    patientsDestinataires: mail.patientsDestinataires,
    mss: mail.mss.lignes,
    remarquesMss: mail.mss.remarques.map((r) => r.message),
    pieces: mail.pieces,
    xdm: mail.xdm.map((x) => ({
      piece: x.piece,
      erreur: x.erreur ?? null,
      documents: x.resultat?.documents.length ?? 0,
      patient: x.resultat?.patient?.ins?.valeur ?? null,
    })),
    accuse: mail.accuse
      ? {
          type: mail.accuse.type,
          statut: mail.accuse.statut,
          libelle: mail.accuse.libelle,
          originalMessageId: mail.accuse.originalMessageId ?? null,
        }
      : null,
    remarques: mail.remarques,
  };
}

/** The header block of a raw message. */
function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, 256 * 1024).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return end >= 0 ? text.slice(0, end) : text;
}

function headerMap(raw: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of headerBlock(raw)
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return out;
}
