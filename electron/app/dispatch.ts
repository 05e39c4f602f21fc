/**
 * The single entry for every call from a renderer, whichever transport
 * carried it (Electron IPC or the browser bridge): unknown channel, a caller
 * the channel's declared access refuses, invalid payload and thrown errors
 * all become typed French failures, never a stack. The access check runs
 * before the payload is even read.
 */
import { channelDef, type ChannelName, type Outcome } from '../../shared/contract/index.js';
import { describeIssues, fail, toFailure } from '../../shared/contract/outcome.js';
import type { CallContext, Handlers } from './handlers.js';
import { accessRefusal } from './access.js';

export type Dispatch = (channel: unknown, payload: unknown, context: CallContext) => Promise<Outcome<unknown>>;

export interface DispatchOptions {
  /** Called with unexpected errors (not CabinetError, or a CabinetError whose details break their schema) for the diagnostics log. */
  onInternalError?: (channel: string, error: unknown) => void;
}

export function createDispatcher(handlers: Handlers, options: DispatchOptions = {}): Dispatch {
  return async (channel, payload, context) => {
    if (typeof channel !== 'string') return fail('UNKNOWN_CHANNEL');
    const def = channelDef(channel);
    if (!def) return fail('UNKNOWN_CHANNEL', `Action inconnue : « ${channel.slice(0, 100)} ».`);
    const refused = accessRefusal(def.access, context.session);
    if (refused) return refused;
    const parsed = def.request.safeParse(payload ?? {});
    if (!parsed.success) {
      return fail('INVALID_REQUEST', 'La demande envoyée à Cabinet est invalide.', { channel, problemes: describeIssues(parsed.error) });
    }
    try {
      const handler = handlers[channel as ChannelName] as (request: unknown, context: CallContext) => unknown;
      const value = await handler(parsed.data, context);
      const checked = def.response.safeParse(value);
      if (!checked.success) {
        options.onInternalError?.(channel, checked.error);
        return fail('INTERNAL');
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      // Details outside their code's schema are a defect: dropped from the answer, reported to the diagnostics log.
      const failure = toFailure(error, (code, problem) =>
        options.onInternalError?.(channel, new Error(`Détails de ${code} hors de leur schéma : ${problem}`)),
      );
      if (failure.code === 'INTERNAL') options.onInternalError?.(channel, error);
      return failure;
    }
  };
}
