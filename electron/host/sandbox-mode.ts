/**
 * The hosts' sandbox-mode launcher: what the sandbox adds to the services,
 * taken from sandboxes/ (the only host module that imports it; the app's
 * services never do). Used by the browser host; the packaged Electron app
 * holds no sandbox code (`npm run dist:check`), so it passes nothing.
 */
import { mailServersAvailable } from '../../sandboxes/mss-operator/local-servers.js';
import type { ServicesOptions } from '../app/services.js';

/** Options for createServices: used by the services only when CABINET_ENV is sandbox. */
export function sandboxModeOptions(): Pick<ServicesOptions, 'serversAvailable'> {
  return { serversAvailable: mailServersAvailable };
}
