/** The status bar's one-line verdict on the national services, read at a glance. */
import type { ServiceState } from '../../shared/domain/services.js';
import { formatInteger, plural } from '../format.js';

/** « Services nationaux : tous connectés », or how many of them are. `calm` is false when one is not. */
export function servicesSummary(services: readonly { state: ServiceState }[]): { text: string; calm: boolean } {
  const connected = services.filter((service) => service.state === 'connecte').length;
  if (connected === services.length) return { text: 'Services nationaux : tous connectés', calm: true };
  return { text: `Services nationaux : ${plural(connected, 'connecté')} sur ${formatInteger(services.length)}`, calm: false };
}
