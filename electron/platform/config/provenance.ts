/**
 * `cabinet config show`: the effective configuration and where each value
 * comes from — default, managed file, Réglages (the user's settings in the
 * store) or an environment variable. Pure: reads only what it is given.
 * Secrets (passwords, client secrets, API keys, PINs) are never shown, only
 * whether they are set.
 */
import path from 'node:path';
import { nationalServices, serviceEnvNames, serviceLabels } from '../../../shared/domain/services.js';
import { userSettingLabels, type SettingSource } from '../../../shared/domain/settings.js';
import { REDACTED } from '../trace/trace.js';
import type { CabinetConfig } from './config.js';
import type { ResolvedSetting } from './settings.js';

export const provenanceLabels: Record<SettingSource, string> = {
  defaut: 'défaut',
  gere: 'fichier géré',
  utilisateur: 'Réglages',
  variable: 'environnement',
};

export interface ConfigEntry {
  key: string;
  label: string;
  value: string | number | boolean | null;
  source: SettingSource;
  /** The variable, when the source is the environment. */
  variable?: string;
  locked?: boolean;
}

/** Variables read outside config.ts (services, CLI); `secret` ones are shown as set or not, never their value. */
export const otherVariables: readonly { name: string; label: string; secret?: boolean }[] = [
  { name: 'CABINET_INSI_P12', label: 'Certificat logiciel de la structure pour INSi' },
  { name: 'CABINET_INSI_P12_PASSWORD', label: 'Mot de passe de ce certificat', secret: true },
  { name: 'CABINET_INSI_IDAM', label: 'Numéro d’autorisation CNDA (IDAM)' },
  { name: 'CABINET_PSC_CLIENT_ID', label: 'Pro Santé Connect : identifiant client' },
  { name: 'CABINET_PSC_CLIENT_SECRET', label: 'Pro Santé Connect : secret client', secret: true },
  { name: 'CABINET_LPS_HOMOLOGATION_DMP', label: 'Numéro d’homologation DMP' },
  { name: 'CABINET_DMP_SOURCE_ID', label: 'Identifiant de source XDS (DMP)' },
  { name: 'CABINET_CDA_REFERENCE_DIR', label: 'Dossier des schémas CDA' },
  { name: 'CABINET_MSS_ADRESSE', label: 'Adresse MSSanté par défaut' },
  { name: 'CABINET_MSS_SMTP_TOKEN_URL', label: 'Envoi MSSanté avec jeton e-CPS' },
  { name: 'CABINET_MSS_NIL', label: 'Référence X-MSS-NIL' },
  { name: 'CABINET_ANNUAIRE_API_KEY', label: 'Clé d’API de l’Annuaire Santé', secret: true },
  { name: 'CABINET_PIN', label: 'Code PIN ou mot de passe (CLI)', secret: true },
  { name: 'CABINET_WEB_PORT', label: 'Port de l’hôte navigateur' },
];

function fromVariable(env: NodeJS.ProcessEnv, name: string): string | null {
  return env[name]?.trim() || null;
}

export function effectiveConfiguration(
  config: CabinetConfig,
  env: NodeJS.ProcessEnv,
  settings: readonly ResolvedSetting[] | null,
): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  const variable = (key: string, label: string, name: string, value: string | null, otherwise: SettingSource = 'defaut') =>
    entries.push(
      fromVariable(env, name) ? { key, label, value, source: 'variable', variable: name } : { key, label, value, source: otherwise },
    );

  entries.push({
    key: 'env',
    label: 'Environnement',
    value: config.env,
    source: config.envSource,
    ...(config.envSource === 'variable' ? { variable: 'CABINET_ENV' } : {}),
  });
  variable('dataDir', 'Dossier de données', 'CABINET_DATA_DIR', config.dataDir);
  variable('managedFile', 'Fichier de configuration gérée', 'CABINET_CONFIG', config.managedFile);
  const sandboxTrust = config.env === 'sandbox' ? path.join(config.dataDir, 'pki-test') : null;
  variable(
    'trustDir',
    'Dossier de confiance IGC-Santé',
    'CABINET_TRUST_DIR',
    config.trustDir,
    config.trustDir && config.trustDir !== sandboxTrust ? 'gere' : 'defaut',
  );
  variable('traceDir', 'Dossier des traces d’échanges', 'CABINET_TRACE_DIR', config.traceDir);
  variable('extraCa', 'Autorités de confiance supplémentaires', 'CABINET_EXTRA_CA', config.extraCaFile);

  for (const service of nationalServices) {
    const endpoint = config.endpoints[service];
    entries.push({
      key: `endpoints.${service}`,
      label: `Adresse ${serviceLabels[service]}`,
      value: endpoint.url,
      source: endpoint.source,
      ...(endpoint.source === 'variable' ? { variable: `CABINET_${serviceEnvNames[service]}_URL` } : {}),
      locked: endpoint.locked,
    });
  }
  for (const setting of settings ?? []) {
    entries.push({
      key: setting.key,
      label: userSettingLabels[setting.key].label,
      value: setting.value,
      source: setting.source,
      locked: setting.locked,
    });
  }
  for (const other of otherVariables) {
    const value = fromVariable(env, other.name);
    entries.push({
      key: other.name,
      label: other.label,
      value: value && other.secret ? REDACTED : value,
      source: value ? 'variable' : 'defaut',
      ...(value ? { variable: other.name } : {}),
    });
  }
  return entries;
}

export function formatConfiguration(entries: readonly ConfigEntry[], note?: string): string {
  const width = Math.max(...entries.map((e) => e.key.length));
  const lines = entries.map((e) => {
    const value = e.value === null || e.value === '' ? '(vide)' : String(e.value);
    const origin = e.variable ? `${provenanceLabels[e.source]} : ${e.variable}` : provenanceLabels[e.source];
    return `${e.key.padEnd(width)}  ${value}  [${origin}${e.locked ? ', verrouillé' : ''}]`;
  });
  return [...(note ? [note] : []), ...lines].join('\n');
}
