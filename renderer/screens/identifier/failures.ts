/** What some failures of INSi's services mean for the identification flow (pure). */
import type { Failure } from '../../../shared/contract/index.js';
import { INS_KEY_MISMATCH_REASON } from '../../../shared/domain/ins/index.js';

/** INSi answered, but an INS key of its answer is wrong: the answer was refused (the message says what to do). */
export function isInsKeyRefusal(failure: Failure): boolean {
  const details = failure.details;
  return (
    failure.code === 'CHECK_FAILED' &&
    !!details &&
    typeof details === 'object' &&
    (details as { reason?: unknown }).reason === INS_KEY_MISMATCH_REASON
  );
}

/** A refusal naming the patient who already holds this INS (`details.uid`). */
export function existingHolder(failure: Failure): string | null {
  return failure.code === 'CONFLICT' ? (failure.details?.uid ?? null) : null;
}
