/**
 * One handler per contract channel. The mapped type makes the compiler list
 * any channel without a handler, and check each handler's request and answer.
 */
import os from 'node:os';
import type { ChannelName, ParsedRequestOf, ResponseOf } from '../../shared/contract/index.js';
import type { Services } from './services.js';
import type { SessionState } from '../identity/login/session.js';
import type { Practitioner } from '../../shared/domain/practitioner.js';
import { SYSTEM_ACTOR } from './services.js';
import { toFeedInput } from '../dmp/service.js';
import { APP_NAME, APP_VERSION } from '../platform/version.js';
import { AHEAD_ROWS } from '../../shared/domain/search-ahead.js';
import { diagnosticOf } from './diagnostic.js';
import { MSS_SEND_KIND } from '../mss/sender.js';
import { patientSheet } from '../paper/print.js';

export interface CallContext {
  /** Who is acting, for the audit log: the logged-in practitioner's idNat_PS, or the system when nobody is. */
  actor: string;
  /** The session when the call arrived: the dispatcher refuses every non-public channel unless `connecte`. */
  session: SessionState;
  /** The logged-in practitioner (also while locked), or null. */
  practitioner: Practitioner | null;
}

export type Handlers = {
  [N in ChannelName]: (request: ParsedRequestOf<N>, context: CallContext) => Promise<ResponseOf<N>> | ResponseOf<N>;
};

export function createHandlers(services: Services): Handlers {
  const { audit, outbox, settings, health, config, worker, identity } = services;
  const status = () => ({ env: config.env, services: health.current(), outbox: outbox.counts() });

  return {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      env: config.env,
      dataDir: config.dataDir,
      host: services.host,
      nodeVersion: process.versions.node,
      platform: `${os.platform()} ${os.release()}`,
      timeZone: services.clock.zone(),
    }),

    // Public (works before login); nothing personal without an open session — see electron/app/diagnostic.ts.
    'diagnostic.run': () => diagnosticOf(services),

    'status.get': () => status(),
    'status.refresh': async () => {
      await health.refresh();
      return status();
    },

    'audit.list': (request) => audit.list(request.limit, request.beforeId),
    'audit.verify': async (_request, context) => {
      const result = await services.verifyAudit();
      audit.append({
        actor: context.actor,
        action: 'audit.verify',
        details: {
          valid: result.valid,
          count: result.count,
          ...(result.brokenAt ? { brokenAt: result.brokenAt } : {}),
          ancrages: result.anchors.checkpoints,
          nonAncrees: result.anchors.unanchored,
        },
      });
      return result;
    },

    'outbox.list': (request) => ({
      // A sent mail shows what happened next (receipts), not just « envoyé ».
      items: outbox
        .list(request.state, request.limit)
        .map((item) =>
          item.kind === MSS_SEND_KIND && item.state === 'envoye' ? { ...item, delivery: services.mss.delivery(item.idempotencyKey) } : item,
        ),
      counts: outbox.counts(),
    }),
    'outbox.retry': (request, context) => {
      const item = outbox.retryNow(request.id);
      audit.append({ actor: context.actor, action: 'outbox.retry', subject: item.idempotencyKey, details: { kind: item.kind } });
      worker.kick();
      services.events.emit('outboxChanged', outbox.counts());
      return item;
    },

    'outbox.cancel': (request, context) => {
      const item = outbox.cancel(request.id);
      audit.append({
        actor: context.actor,
        action: 'outbox.cancel',
        subject: item.idempotencyKey,
        details: { kind: item.kind, resume: item.summary, etat: item.state, tentatives: item.attempts },
      });
      services.events.emit('outboxChanged', outbox.counts());
      return item;
    },

    'paper.list': () => ({ items: services.paper.list(), delayHours: settings.get('paper.delayHours') }),
    'paper.print': async (request) => {
      const credentials = identity.session.require();
      const sheet = await patientSheet(services, request.uid, credentials.practitioner.idNatPs, credentials.practitioner.displayName);
      return { fileName: sheet.fileName, pdfBase64: Buffer.from(sheet.bytes).toString('base64'), pages: sheet.pages };
    },
    'paper.mark': (request, context) => {
      const item = services.paper.mark(request.key, request.how, context.actor);
      services.events.emit('outboxChanged', outbox.counts());
      return item;
    },

    // Every channel below 'status.*' is for a logged-in, unlocked practitioner: the dispatcher checked it (contract `access`).
    // Patient data: every access audited by the service, with the practitioner as actor.
    'patients.toRequery': (_request, context) => ({ patients: services.patients.toRequery(context.actor) }),
    'patients.search': (request, context) => ({ patients: services.patients.search(request.query, request.limit, context.actor) }),
    'patients.searchAhead': (request, context) => services.patients.searchAhead(request.query, request.limit, AHEAD_ROWS, context.actor),
    'patients.get': (request, context) => services.patients.get(request.uid, context.actor),
    'patients.create': (request, context) => services.patients.create(request.traits, context.actor),
    'patients.acceptInsi': (request, context) => services.patients.acceptInsi(request.lookupId, request.uid, context.actor),
    'patients.recordDocument': (request, context) =>
      services.patients.recordDocument(request.uid, request.type, request.date, context.actor),
    'patients.setAttributes': (request, context) => services.patients.setAttributes(request.uid, request.attributes, context.actor),
    'patients.setMedecinTraitant': (request, context) =>
      services.patients.setMedecinTraitant(request.uid, request.medecinTraitant, context.actor),
    'patients.reverify': (request, context) => services.patients.reverify(request.uid, context.actor),
    'ins.lookupTraits': (request, context) => services.patients.lookupTraits(request.traits, request.uid, context.actor),
    'ins.lookupVitale': (request, context) =>
      services.patients.lookupVitale(Buffer.from(request.contentBase64, 'base64'), request.beneficiaire, context.actor),
    // MSSanté: the service uses the session's keys and audits every access and change (read, attachment, send, receipts, import, flags).
    'mss.status': () => services.mss.status(),
    'mss.folders': () => ({ folders: services.mss.folders() }),
    'mss.list': (request) => services.mss.list(request.folderId, request.offset, request.limit),
    'mss.get': (request) => services.mss.get(request.id),
    'mss.search': (request) => ({ messages: services.mss.search(request.text, request.limit) }),
    'mss.markRead': (request) => services.mss.markRead(request.id, request.read),
    'mss.attachment': (request) => services.mss.attachment(request.id, request.index),
    'mss.documentPdf': (request) => services.mss.documentPdf(request.documentId),
    'mss.send': (request) =>
      services.mss.send({
        to: request.to,
        ...(request.cc ? { cc: request.cc } : {}),
        subject: request.subject,
        body: request.body,
        attachments: (request.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.base64, 'base64'),
        })),
        ...(request.patientUid ? { patientUid: request.patientUid } : {}),
        toPatient: Boolean(request.toPatient),
        readReceipt: Boolean(request.readReceipt),
        fin: Boolean(request.fin),
        ...(request.inReplyTo ? { inReplyToRow: request.inReplyTo } : {}),
      }),
    'mss.receipts': (request) => services.mss.timeline(request.messageId),
    'mss.sendMdn': (request) => services.mss.sendMdn(request.id),
    'mss.refuseMdn': (request) => services.mss.refuseMdn(request.id),
    'mss.importDocument': (request) => services.mss.importDocument(request.documentId, request.patientUid),
    'mss.sync': () => services.mss.sync(),
    // DMP: the service uses the session's keys, takes the INS only for a qualified identity and audits every access.
    'dmp.status': (request) => services.dmp.status(request.uid),
    'dmp.addAuthorization': (request) => services.dmp.addAuthorization(request.uid, { consentConfirmed: request.consentConfirmed }),
    'dmp.list': (request) => services.dmp.list(request.uid, request.filter, request.refresh),
    'dmp.get': async (request) => {
      const { content, ...document } = await services.dmp.get(request.uid, request.entryUuid);
      return { ...document, contentBase64: content.toString('base64') };
    },
    'dmp.previewFeed': (request) => services.dmp.previewFeed(request.uid, toFeedInput(request), request.replaces),
    'dmp.feed': (request) =>
      services.dmp.feed(request.uid, 'previewId' in request ? { previewId: request.previewId } : toFeedInput(request)),
    'dmp.replace': (request) => services.dmp.replace(request.uid, request.entryUuid, toFeedInput(request)),
    'dmp.setVisibility': (request) => services.dmp.setVisibility(request.uid, request.entryUuid, request.visibility),
    'dmp.setStatus': (request) => services.dmp.setStatus(request.uid, request.entryUuid, request.status),
    'dmp.brisDeGlace': (request) => services.dmp.declareAccess(request.uid, request.purpose, request.reason),
    // Directory lookups are not patient data: not audited (failures go to the diagnostics log); a practitioner's channel all the same.
    'annuaire.search': (request) => services.annuaire.search(request),

    'session.get': () => identity.view(),
    'session.cards': () => identity.cards(),
    'session.loginCard': (request) => identity.loginCard(request.slotIndex, request.pin),
    'session.loginP12': (request) => identity.loginP12(request.fileName, Buffer.from(request.contentBase64, 'base64'), request.password),
    'session.ecpsStart': (request) => identity.ecpsStart(request.idNatPs),
    'session.ecpsPoll': (request) => identity.ecpsPoll(request.authReqId),
    'session.unlock': (request) => identity.unlock(request.secret),
    'session.lock': () => identity.lock(),
    'session.logout': () => identity.logout(),
    'session.activity': () => {
      identity.session.touch();
      return {};
    },

    'settings.get': () => settings.view(),
    'settings.set': (request, context) => {
      const previous = settings.set(request.key, request.value);
      audit.append({
        actor: context.actor,
        action: 'settings.change',
        subject: request.key,
        details: { avant: previous, apres: request.value },
      });
      return settings.view();
    },
  };
}

/** A call when nobody is logged in (tests, the first-run screen): only public channels answer. */
export const systemContext: CallContext = { actor: SYSTEM_ACTOR, session: 'deconnecte', practitioner: null };

/** The context of a call from the UI, read when the call arrives: the session's state and practitioner. */
export function contextOf(services: Services): () => CallContext {
  return () => {
    const { state, practitioner } = services.identity.session.snapshot();
    return { actor: practitioner?.idNatPs ?? SYSTEM_ACTOR, session: state, practitioner };
  };
}
