/** A national service's state: a colored dot plus the French word (never color alone). */
import './ServiceState.css';
import { serviceStateLabels, type ServiceState as State } from '../../shared/domain/services.js';

export function ServiceStateLabel({ state }: { state: State }) {
  return (
    <span className={`service-state service-state--${state}`}>
      <span className="service-state__dot" aria-hidden="true" />
      {serviceStateLabels[state]}
    </span>
  );
}
