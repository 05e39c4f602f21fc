/**
 * Who may call a channel: the contract declares it (`public` or
 * `practitioner`), the dispatcher asks this before any handler runs, for
 * Electron IPC and the browser bridge alike.
 */
import type { Access } from '../../shared/contract/index.js';
import { fail, type Failure } from '../../shared/contract/outcome.js';
import { sessionRequiredMessages, type SessionState } from '../identity/login/session.js';

/** Null when the call may go on; otherwise the typed refusal (SESSION_REQUIRED with `details.reason` `absent` or `locked`). */
export function accessRefusal(access: Access, session: SessionState): Failure | null {
  if (access === 'public' || session === 'connecte') return null;
  const reason = session === 'verrouille' ? 'locked' : 'absent';
  return fail('SESSION_REQUIRED', sessionRequiredMessages[reason], { reason });
}
