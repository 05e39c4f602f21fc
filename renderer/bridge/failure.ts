/**
 * The app's own liveness, told apart from a national service's outage: a
 * failure made by the bridge itself (socket closed, no answer, no token)
 * carries `details.origine = 'cabinet'`. Only those raise the full-width
 * « Les services de Cabinet ne répondent pas » banner; a national service's
 * UNAVAILABLE (INSi, DMP, MSSanté down) is shown by the status bar and its
 * screen, never as « relancez Cabinet ».
 */
import { fail, type ErrorCode, type Failure } from '../../shared/contract/outcome.js';

export const BRIDGE_ORIGIN = 'cabinet';

export function bridgeFailure(code: Extract<ErrorCode, 'UNAVAILABLE' | 'UNAUTHORIZED'>, message: string): Failure {
  return fail(code, message, { origine: BRIDGE_ORIGIN });
}

/** Did Cabinet's own services fail to answer (or refuse the page), as opposed to one action failing? */
export function isBridgeFailure(failure: Failure): boolean {
  return (
    (failure.code === 'UNAVAILABLE' || failure.code === 'UNAUTHORIZED') &&
    (failure.details as { origine?: unknown } | undefined)?.origine === BRIDGE_ORIGIN
  );
}
