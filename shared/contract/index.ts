/**
 * The IPC contract: every channel between the renderer and the services,
 * declared once. The Electron preload, the browser bridge, the main-process
 * handlers and the host all derive from this object — add a channel here and
 * the type checker shows every place that must handle it.
 *
 * Channel names are `<group>.<method>`; the renderer calls
 * `window.cabinet.<group>.<method>(request)` and gets an {@link Outcome}.
 */
import { z } from 'zod';
import * as s from './schemas.js';
import * as dmp from './dmp.js';
import * as annuaire from './annuaire.js';
import * as mss from './mss.js';
import * as diagnostic from './diagnostic.js';
import * as paper from './paper.js';
import type { Outcome } from './outcome.js';

/**
 * Who may call a channel — checked by the dispatcher before the handler, for
 * Electron IPC and the browser bridge alike:
 * - `public`: anyone holding the app's window or the bridge's token, nobody
 *   logged in (app info, status, and the login, e-CPS, card and lock-screen channels);
 * - `practitioner`: a logged-in practitioner whose session is not locked.
 */
export type Access = 'public' | 'practitioner';
export const accessLevels = ['public', 'practitioner'] as const satisfies readonly Access[];

/** A channel: its request and response schemas and who may call it (mandatory: a channel without it does not compile). */
export function channel<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res, access: Access) {
  if (!accessLevels.includes(access)) throw new Error(`Accès non déclaré pour un canal : ${String(access)}`);
  return { request, response, access };
}

export const contract = {
  app: {
    info: channel(s.empty, s.appInfo, 'public'),
  },
  diagnostic: {
    /**
     * The « Diagnostic » report (card reader, certificates, clock, services, keychain, database, disk, outbox).
     * Access: public — it must work before login (a card reader that fails is why one cannot log in). It carries
     * nothing personal then: the practitioner's certificates are checked, and named, only while a session is open;
     * card labels and serial numbers never appear; no patient data ever (outbox counts only).
     */
    run: channel(s.empty, diagnostic.diagnosticReport, 'public'),
  },
  status: {
    get: channel(s.empty, s.status, 'public'),
    refresh: channel(s.empty, s.status, 'public'),
  },
  audit: {
    list: channel(s.auditListRequest, z.object({ entries: z.array(s.auditEntry), hasMore: z.boolean() }), 'practitioner'),
    verify: channel(s.empty, s.auditVerification, 'practitioner'),
  },
  outbox: {
    list: channel(s.outboxListRequest, z.object({ items: z.array(s.outboxItem), counts: s.outboxCounts }), 'practitioner'),
    retry: channel(s.idRequest, s.outboxItem, 'practitioner'),
    /** Cancels an action that has not left (waiting or failed); the renderer asks for confirmation first. Audited. */
    cancel: channel(s.idRequest, s.outboxItem, 'practitioner'),
  },
  paper: {
    /** « À remettre sur papier »: mails to patients not delivered or not read after the delay, DMP feeds still queued. */
    list: channel(s.empty, paper.paperList, 'practitioner'),
    /** « Remis en main propre » / « envoyé par courrier » (audited). */
    mark: channel(paper.paperMarkRequest, paper.paperItem, 'practitioner'),
    /** « Imprimer pour le patient »: the printable PDF (identity, documents, « Votre espace santé »). Audited. */
    print: channel(paper.paperPrintRequest, paper.paperPrintResult, 'practitioner'),
  },
  settings: {
    get: channel(s.empty, s.settingsView, 'practitioner'),
    set: channel(s.settingsSetRequest, s.settingsView, 'practitioner'),
  },
  patients: {
    search: channel(s.patientsSearchRequest, z.object({ patients: z.array(s.patientSummary) }), 'practitioner'),
    /** The answers to the next key (each letter or digit added to `query`), drawn without a round trip when it is typed. */
    searchAhead: channel(
      s.patientsSearchAheadRequest,
      z.object({
        query: z.string(),
        next: z.array(z.object({ term: z.string(), count: z.number().int(), patients: z.array(s.patientSummary) })),
      }),
      'practitioner',
    ),
    /** « À réinterroger »: identities without INS never checked with INSi (procédure dégradée). */
    toRequery: channel(s.empty, z.object({ patients: z.array(s.patientSummary) }), 'practitioner'),
    get: channel(s.uidRequest, s.patientDetail, 'practitioner'),
    create: channel(s.patientCreateRequest, s.patientDetail, 'practitioner'),
    /** Accepts an INSi result (by its server-side id): new patient or existing one → RECUP (or QUAL after a document check). */
    acceptInsi: channel(s.acceptInsiRequest, s.patientDetail, 'practitioner'),
    /** « Pièce d’identité contrôlée »: a high-trust document was checked. */
    recordDocument: channel(s.documentRequest, s.patientDetail, 'practitioner'),
    setAttributes: channel(s.attributesRequest, s.patientDetail, 'practitioner'),
    /** Remembers (or forgets, null) the patient's médecin traitant: a professional MSSanté mailbox. */
    setMedecinTraitant: channel(s.medecinTraitantRequest, s.patientDetail, 'practitioner'),
    /** Re-verification of a stored INS: a new traits lookup compared with it. */
    reverify: channel(s.uidRequest, s.reverifyResult, 'practitioner'),
  },
  annuaire: {
    /** MSSanté recipients from the Annuaire Santé (name, RPPS, city, mailbox types); red-listed mailboxes never appear. */
    search: channel(annuaire.annuaireSearchRequest, annuaire.annuaireSearchResponse, 'practitioner'),
  },
  dmp: {
    /** TD0.2: the patient's DMP and this practitioner's authorisation (cached; offline, the cache with its age). */
    status: channel(dmp.dmpUidRequest, dmp.dmpStatusView, 'practitioner'),
    /** TD0.3, once the patient's consent is confirmed. */
    addAuthorization: channel(dmp.dmpAuthorizationRequest, dmp.dmpStatusView, 'practitioner'),
    /** The documents (first 2 years, then incremental), filtered on the cache, newest first. */
    list: channel(dmp.dmpListRequest, dmp.dmpListView, 'practitioner'),
    get: channel(dmp.dmpEntryRequest, dmp.dmpDocumentView, 'practitioner'),
    /** Builds and self-checks the CDA; the metadata to check before « Envoyer au DMP ». */
    previewFeed: channel(dmp.dmpPreviewRequest, dmp.dmpPreviewView, 'practitioner'),
    /** Through the outbox (idempotent by uniqueId). */
    feed: channel(dmp.dmpFeedRequest, dmp.dmpFeedResultView, 'practitioner'),
    replace: channel(dmp.dmpReplaceRequest, dmp.dmpFeedResultView, 'practitioner'),
    setVisibility: channel(dmp.dmpVisibilityRequest, dmp.dmpEntry, 'practitioner'),
    /** Archive, unarchive (Approved) or delete (own documents only). */
    setStatus: channel(dmp.dmpSetStatusRequest, dmp.dmpEntry, 'practitioner'),
    /** Bris de glace or centre 15, with a mandatory reason (audited; banner). */
    brisDeGlace: channel(dmp.dmpBrisDeGlaceRequest, dmp.dmpAccess, 'practitioner'),
  },
  mss: {
    status: channel(s.empty, mss.mssStatus, 'practitioner'),
    folders: channel(s.empty, z.object({ folders: z.array(mss.mssFolder) }), 'practitioner'),
    /** Paged (offset/limit) for a virtualised list, with the folder's total and unread counts. */
    list: channel(mss.mssListRequest, mss.mssListView, 'practitioner'),
    /** The body and attachments are fetched on first opening, then read from the encrypted store. */
    get: channel(mss.mssIdRequest, mss.mssMessageView, 'practitioner'),
    search: channel(mss.mssSearchRequest, z.object({ messages: z.array(mss.mssMessageSummary) }), 'practitioner'),
    markRead: channel(mss.mssMarkReadRequest, mss.mssMarkReadView, 'practitioner'),
    /** One attachment's bytes (base64), by its position in the message's `pieces`. */
    attachment: channel(mss.mssAttachmentRequest, mss.mssAttachmentView, 'practitioner'),
    /** The PDF of a document received in an XDM. */
    documentPdf: channel(mss.mssDocumentPdfRequest, mss.mssDocumentPdfView, 'practitioner'),
    /** Composes and queues in the outbox (idempotent by Message-ID); a patient's address comes only from their qualified INS. */
    send: channel(mss.mssSendRequest, mss.mssSendView, 'practitioner'),
    receipts: channel(mss.mssReceiptsRequest, mss.mssReceiptTimeline, 'practitioner'),
    sendMdn: channel(mss.mssIdRequest, mss.mssMdnView, 'practitioner'),
    refuseMdn: channel(mss.mssIdRequest, mss.mssMdnView, 'practitioner'),
    importDocument: channel(mss.mssImportRequest, mss.mssImportView, 'practitioner'),
    sync: channel(s.empty, mss.mssSyncView, 'practitioner'),
  },
  ins: {
    lookupTraits: channel(s.insLookupTraitsRequest, s.insiLookupResult, 'practitioner'),
    lookupVitale: channel(s.insLookupVitaleRequest, s.insiLookupResult, 'practitioner'),
  },
  session: {
    get: channel(s.empty, s.sessionView, 'public'),
    /** Card readers and the cards in them, through the configured PKCS#11 module. */
    cards: channel(s.empty, s.cardsView, 'public'),
    loginCard: channel(s.loginCardRequest, s.sessionView, 'public'),
    loginP12: channel(s.loginP12Request, s.sessionView, 'public'),
    ecpsStart: channel(s.ecpsStartRequest, s.ecpsStartView, 'public'),
    ecpsPoll: channel(s.ecpsPollRequest, s.ecpsPollView, 'public'),
    unlock: channel(s.unlockRequest, s.sessionView, 'public'),
    lock: channel(s.empty, s.sessionView, 'public'),
    logout: channel(s.empty, s.sessionView, 'public'),
    /** The renderer reports user activity (throttled) so that inactivity locking is right. */
    activity: channel(s.empty, s.empty, 'public'),
  },
} as const;

/** Events pushed from the services to the renderer. */
export const events = {
  statusChanged: s.status,
  outboxChanged: s.outboxCounts,
  /** Held-back actions have left (after an outage, a crash, the login): « 3 envois partis à 10:42 ». */
  outboxRecovered: z.object({ count: z.number().int().min(1), at: z.string() }),
  auditAppended: z.object({ id: z.number().int() }),
  sessionChanged: s.sessionView,
  patientsChanged: z.object({ uid: z.string() }),
  /** The DMP cache or feeds of this patient changed (refresh, feed sent or failed, ITI-57). */
  dmpChanged: z.object({ uid: z.string() }),
  /** The mailbox changed (sync, send, receipt, read flag). */
  mssChanged: z.object({}),
  /** First sync progress, for a progress bar. */
  mssSyncProgress: mss.mssSyncProgress,
  /** New mail in the inbox: desktop notification. */
  mssNewMail: mss.mssNewMail,
  /** The installed app downloaded an update; it installs when Cabinet closes (electron/app/updates.ts). */
  updateAvailable: z.object({ version: z.string().min(1).max(64) }).strict(),
} as const;

type Contract = typeof contract;
export type Group = keyof Contract;
export type ChannelName = { [G in Group]: `${G}.${Extract<keyof Contract[G], string>}` }[Group];
export type EventName = keyof typeof events;

type ChannelDef<N extends ChannelName> = N extends `${infer G extends Group}.${infer M}`
  ? M extends keyof Contract[G]
    ? Contract[G][M]
    : never
  : never;

/** What the caller passes (defaults may be omitted). */
export type RequestOf<N extends ChannelName> = z.input<ChannelDef<N>['request']>;
/** What the handler receives (after validation and defaults). */
export type ParsedRequestOf<N extends ChannelName> = z.output<ChannelDef<N>['request']>;
export type ResponseOf<N extends ChannelName> = z.output<ChannelDef<N>['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** `window.cabinet`: one method per channel, grouped, plus one subscriber per event. */
export type CabinetApi = {
  [G in Group]: {
    [M in Extract<keyof Contract[G], string>]: (
      request?: RequestOf<`${G}.${M}` & ChannelName>,
    ) => Promise<Outcome<ResponseOf<`${G}.${M}` & ChannelName>>>;
  };
} & {
  events: { [E in EventName]: (listener: (payload: EventPayload<E>) => void) => () => void };
};

export const channelNames: ChannelName[] = (Object.keys(contract) as Group[]).flatMap((group) =>
  Object.keys(contract[group]).map((method) => `${group}.${method}` as ChannelName),
);
export const eventNames = Object.keys(events) as EventName[];

export interface ChannelDefinition {
  request: z.ZodType;
  response: z.ZodType;
  access: Access;
}

export function channelDef(name: string): ChannelDefinition | undefined {
  const [group, method, ...rest] = name.split('.');
  if (!group || !method || rest.length > 0 || !Object.hasOwn(contract, group)) return undefined;
  const methods = contract[group as Group] as Record<string, ChannelDefinition>;
  return Object.hasOwn(methods, method) ? methods[method] : undefined;
}

/** Who may call each channel (the access table of docs/security.md is this list). */
export function channelAccess(name: ChannelName): Access {
  return channelDef(name)!.access;
}

export type Invoke = (channel: ChannelName, request: unknown) => Promise<Outcome<unknown>>;
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * Builds the renderer-facing API from two primitives. The preload passes
 * ipcRenderer-based ones, the web bridge WebSocket-based ones; the shape is
 * the same by construction.
 */
export function buildApi(invoke: Invoke, subscribe: Subscribe): CabinetApi {
  const api: Record<string, unknown> = {};
  for (const group of Object.keys(contract) as Group[]) {
    const methods: Record<string, (request?: unknown) => Promise<Outcome<unknown>>> = {};
    for (const method of Object.keys(contract[group])) {
      const name = `${group}.${method}` as ChannelName;
      methods[method] = (request?: unknown) => invoke(name, request ?? {});
    }
    api[group] = methods;
  }
  const subscribers: Record<string, (listener: (payload: unknown) => void) => () => void> = {};
  for (const event of eventNames) subscribers[event] = (listener) => subscribe(event, listener);
  api.events = subscribers;
  return api as CabinetApi;
}

export { type Outcome, type Failure } from './outcome.js';
