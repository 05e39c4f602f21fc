/**
 * Whether the installed app looks for updates, and where: a pure decision
 * from the managed settings file's `updates` block. electron/main.ts applies
 * it with electron-updater (generic provider); the browser host and the CLI
 * never look for updates.
 *
 *   "updates": { "enabled": false }                                  hospital / GPO rollouts: off
 *   "updates": { "url": "https://maj.exemple.fr/cabinet/" }          the publisher's folder (latest*.yml + installers)
 *
 * Without a URL there is nothing to ask: updates stay off (no address is
 * guessed). The staged rollout percentage is the publisher's
 * (`stagingPercentage` in latest*.yml); electron-updater compares it with a
 * stable random identifier of this computer.
 */
import type { CabinetConfig } from '../platform/config/config.js';
import type { HostKind } from './services.js';

export type UpdatePolicy = { enabled: true; url: string } | { enabled: false; reason: string };

export interface UpdatePolicyInput {
  host: HostKind;
  /** Electron's app.isPackaged: a development launch (`npm start`) never updates itself. */
  packaged: boolean;
  updates: CabinetConfig['updates'];
}

export function updatePolicy(input: UpdatePolicyInput): UpdatePolicy {
  if (input.host !== 'electron') return { enabled: false, reason: 'Seule l’application installée cherche des mises à jour.' };
  if (!input.packaged) return { enabled: false, reason: 'Version de développement : pas de mise à jour automatique.' };
  if (input.updates.enabled === false)
    return { enabled: false, reason: 'Mises à jour désactivées par le fichier de configuration gérée (déploiement par l’administrateur).' };
  // The address was checked when the managed file was read (https folder, no credentials): see platform/config/config.ts.
  const url = input.updates.url?.trim();
  if (!url) return { enabled: false, reason: 'Aucune adresse de mise à jour dans le fichier de configuration gérée (« updates.url »).' };
  // The generic provider resolves latest.yml against this folder: it must end with a slash.
  return { enabled: true, url: url.endsWith('/') ? url : `${url}/` };
}
