/**
 * Why a screen could not read its data. When the services are out of reach
 * the shell's banner already says so: the screen then stays quiet.
 */
import type { Failure } from '../../shared/contract/index.js';
import { isOutage } from '../state/cabinet.js';
import { Alert } from './Alert.js';

export function LoadError({ failure, title }: { failure: Failure; title: string }) {
  if (isOutage(failure)) {
    return <p className="muted">Ces informations s’afficheront dès que les services de Cabinet répondront.</p>;
  }
  return (
    <Alert tone="error" title={title}>
      {failure.message}
    </Alert>
  );
}
