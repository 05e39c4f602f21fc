/**
 * Why the DMP panel could not do something. A lost connection with Cabinet's
 * own services is already shown by the shell's banner (a quiet line here);
 * the DMP being unreachable or refusing is said in place, with its message.
 */
import type { Failure } from '../../../shared/contract/index.js';
import { Alert } from '../../components/Alert.js';
import { isCabinetOutage } from './dmp-api.js';

export function DmpFailure({ failure, title }: { failure: Failure; title: string }) {
  if (isCabinetOutage(failure)) return <p className="muted">Ces informations s’afficheront dès que les services de Cabinet répondront.</p>;
  return (
    <Alert tone={failure.code === 'UNAVAILABLE' ? 'warning' : 'error'} title={title}>
      {failure.message}
    </Alert>
  );
}
