/**
 * One handler per contract channel. The mapped type makes the compiler list
 * any channel without a handler, and check each handler's request and answer.
 */
import os from 'node:os';
import type { ChannelName, ParsedRequestOf, ResponseOf } from '../../shared/contract/index.js';
import type { Services } from './services.js';
import { SYSTEM_ACTOR } from './services.js';
import { APP_NAME, APP_VERSION } from './version.js';
import { AHEAD_ROWS } from '../../shared/domain/search-ahead.js';

export interface CallContext {
  /** Who is acting: the logged-in practitioner later, the system for now. */
  actor: string;
}

export type Handlers = { [N in ChannelName]: (request: ParsedRequestOf<N>, context: CallContext) => Promise<ResponseOf<N>> | ResponseOf<N> };

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
    }),

    'status.get': () => status(),
    'status.refresh': async () => {
      await health.refresh();
      return status();
    },

    'audit.list': (request) => audit.list(request.limit, request.beforeId),
    'audit.verify': (_request, context) => {
      const result = audit.verify();
      audit.append({ actor: context.actor, action: 'audit.verify', details: { valid: result.valid, count: result.count, ...(result.brokenAt ? { brokenAt: result.brokenAt } : {}) } });
      return result;
    },

    'outbox.list': (request) => ({ items: outbox.list(request.state, request.limit), counts: outbox.counts() }),
    'outbox.retry': (request, context) => {
      const item = outbox.retryNow(request.id);
      audit.append({ actor: context.actor, action: 'outbox.retry', subject: item.idempotencyKey, details: { kind: item.kind } });
      worker.kick();
      services.events.emit('outboxChanged', outbox.counts());
      return item;
    },

    // Patient data: only for a logged-in practitioner; every access audited by the service.
    'patients.search': (request) => {
      identity.session.require();
      return { patients: services.patients.search(request.query, request.limit, identity.session.actor) };
    },
    'patients.searchAhead': (request) => (identity.session.require(), services.patients.searchAhead(request.query, request.limit, AHEAD_ROWS, identity.session.actor)),
    'patients.get': (request) => (identity.session.require(), services.patients.get(request.uid, identity.session.actor)),
    'patients.create': (request) => (identity.session.require(), services.patients.create(request.traits, identity.session.actor)),
    'patients.acceptInsi': (request) => (identity.session.require(), services.patients.acceptInsi(request.lookupId, request.uid, identity.session.actor)),
    'patients.recordDocument': (request) => (identity.session.require(), services.patients.recordDocument(request.uid, request.type, request.date, identity.session.actor)),
    'patients.setAttributes': (request) => (identity.session.require(), services.patients.setAttributes(request.uid, request.attributes, identity.session.actor)),
    'patients.reverify': (request) => (identity.session.require(), services.patients.reverify(request.uid, identity.session.actor)),
    'ins.lookupTraits': (request) => (identity.session.require(), services.patients.lookupTraits(request.traits, request.uid, identity.session.actor)),
    'ins.lookupVitale': (request) => (identity.session.require(), services.patients.lookupVitale(Buffer.from(request.contentBase64, 'base64'), request.beneficiaire, identity.session.actor)),

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
      audit.append({ actor: context.actor, action: 'settings.change', subject: request.key, details: { avant: previous, apres: request.value } });
      return settings.view();
    },
  };
}

export const systemContext: CallContext = { actor: SYSTEM_ACTOR };

/** The context of a call from the UI: the logged-in practitioner, or the system. */
export function contextOf(services: Services): () => CallContext {
  return () => ({ actor: services.identity.session.actor });
}
