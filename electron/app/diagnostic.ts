/**
 * The « Diagnostic » of this post, the same for the screen (`diagnostic.run`),
 * `cabinet doctor` and `Cabinet --diagnostic`: which checks run, on which
 * services. Works with the services down too (the CLI reports why they did
 * not start). Nothing personal without an open session (see the contract).
 */
import { environmentLabels, nationalServices } from '../../shared/domain/services.js';
import type { DiagnosticCheck, DiagnosticReport } from '../../shared/domain/diagnostic.js';
import type { CabinetConfig } from '../platform/config/config.js';
import { diskCheck, runChecks, type PendingCheck } from '../platform/diagnostics/checks.js';
import type { Keychain } from '../platform/keychain/keychain.js';
import { clockCheck, endpointCheck, inspectEndpoint } from '../platform/net/endpoint-check.js';
import { outboxCheck } from '../platform/outbox/diagnostic.js';
import { databaseCheck, keychainCheck } from '../platform/store/diagnostic.js';
import { cardChecks, crlCheck, practitionerCertificateChecks } from '../identity/diagnostic.js';
import { emptyTrust, loadTrustStore, type TrustStore } from '../identity/trust-store.js';
import { toFailure } from '../../shared/contract/outcome.js';
import { loadConfig, type LoadConfigOptions } from '../platform/config/config.js';
import { OsKeychain } from '../platform/keychain/keychain.js';
import { createServices, type HostKind, type Services } from './services.js';
import { APP_VERSION } from '../platform/version.js';

export interface DiagnosticInputs {
  host: string;
  /** null when the configuration is invalid (`configError` says why). */
  config: CabinetConfig | null;
  configError?: string;
  keychain: Keychain;
  /** null when the services could not start (`servicesError` says why). */
  services: Services | null;
  servicesError?: string;
  now?: () => Date;
  /** Per check; the endpoints' steps get a third of it each. */
  deadlineMs?: number;
}

const MIN_NODE: [number, number] = [22, 12];

function nodeCheck(): DiagnosticCheck {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { id: 'poste.node', area: 'poste', label: 'Moteur Node.js', verdict: 'ok', detail: `Node ${process.versions.node}.`, action: '' }
    : {
        id: 'poste.node',
        area: 'poste',
        label: 'Moteur Node.js',
        verdict: 'echec',
        detail: `Node ${process.versions.node} : la version 22.12 ou plus récente est requise.`,
        action: 'Installez Node.js 22 (source build/node22.sh) ou utilisez l’application installée.',
      };
}

const unavailable = (id: string, area: DiagnosticCheck['area'], label: string, why: string): DiagnosticCheck => ({
  id,
  area,
  label,
  verdict: 'non-applicable',
  detail: `Non vérifié : ${why}`,
  action: '',
});

export function diagnosticChecks(inputs: DiagnosticInputs): PendingCheck[] {
  const { config, services, keychain } = inputs;
  const now = inputs.now ?? (() => new Date());
  const stepMs = Math.max(500, Math.floor((inputs.deadlineMs ?? 8000) / 3));
  const noServices = `les services de Cabinet n’ont pas démarré (${inputs.servicesError ?? 'voir « Base locale »'}).`;
  const checks: PendingCheck[] = [
    {
      id: 'poste.config',
      area: 'poste',
      label: 'Configuration',
      run: (): DiagnosticCheck =>
        config
          ? {
              id: 'poste.config',
              area: 'poste',
              label: 'Configuration',
              verdict: 'ok',
              detail: `${environmentLabels[config.env]} — ${config.managedFile ? `fichier géré : ${config.managedFile}` : 'aucun fichier géré'} — dossier de données : ${config.dataDir}.`,
              action: '',
              data: { env: config.env, fichierGere: config.managedFile, dossier: config.dataDir },
            }
          : {
              id: 'poste.config',
              area: 'poste',
              label: 'Configuration',
              verdict: 'echec',
              detail: inputs.configError ?? 'Configuration illisible.',
              action:
                'Corrigez le champ nommé dans le fichier de configuration gérée, ou la variable d’environnement ; `cabinet config show` montre la configuration effective.',
            },
    },
    { id: 'poste.node', area: 'poste', label: 'Moteur Node.js', run: nodeCheck },
  ];
  if (!config) return checks;

  let trust: TrustStore;
  try {
    trust = loadTrustStore(config.trustDir);
  } catch {
    // An unreadable trust folder: reported by the CRL check as « no trust anchors », like an empty one.
    trust = { ...emptyTrust, dir: config.trustDir };
  }
  // Servers' TLS as the services trust it (services.ts): system authorities + CABINET_EXTRA_CA; in the sandbox also the test PKI.
  const serverTrust = config.env === 'sandbox' ? [...config.extraCa, ...trust.anchorsPem] : config.extraCa;

  checks.push(
    {
      id: 'carte.module',
      area: 'carte',
      label: 'Module de la carte CPS',
      run: () =>
        services
          ? cardChecks(
              services.identity,
              services.identity.session.snapshot().state === 'connecte' && services.identity.session.snapshot().source !== 'carte_cps',
            )
          : unavailable('carte.module', 'carte', 'Module de la carte CPS', noServices),
    },
    { id: 'certificats.crl', area: 'certificats', label: 'Listes de révocation (CRL)', run: () => crlCheck(trust, now()) },
    {
      id: 'certificats.praticien',
      area: 'certificats',
      label: 'Certificats du praticien',
      run: () =>
        services
          ? practitionerCertificateChecks(services.identity, trust, now())
          : unavailable('certificats.praticien', 'certificats', 'Certificats du praticien', noServices),
    },
    ...nationalServices.map((service): PendingCheck => ({
      id: `service.${service}`,
      area: 'services',
      label: `Service ${service}`,
      run: async () => {
        const inspection = await inspectEndpoint(service, config.endpoints[service].url, serverTrust, stepMs);
        const clock = clockCheck(inspection);
        return clock ? [endpointCheck(inspection), clock] : [endpointCheck(inspection)];
      },
    })),
    { id: 'poste.trousseau', area: 'poste', label: 'Trousseau du système', run: () => keychainCheck(keychain, config.dataDir) },
    {
      id: 'poste.base',
      area: 'poste',
      label: 'Base locale chiffrée',
      run: () => databaseCheck(services?.store ?? null, inputs.servicesError),
    },
    {
      id: 'poste.journal',
      area: 'poste',
      label: 'Journal d’accès',
      run: (): DiagnosticCheck => {
        if (!services) return unavailable('poste.journal', 'poste', 'Journal d’accès', noServices);
        const chain = services.audit.verify();
        return chain.valid
          ? {
              id: 'poste.journal',
              area: 'poste',
              label: 'Journal d’accès',
              verdict: 'ok',
              detail: `${chain.count} entrée(s), chaîne intacte.`,
              action: '',
              data: { entrees: chain.count },
            }
          : {
              id: 'poste.journal',
              area: 'poste',
              label: 'Journal d’accès',
              verdict: 'echec',
              detail: `Journal altéré à l’entrée n° ${chain.brokenAt} : ${chain.reason}`,
              action: 'Ne modifiez rien sur ce poste et prévenez votre administrateur ou le support : le journal d’accès a été modifié.',
            };
      },
    },
    { id: 'poste.disque', area: 'poste', label: 'Espace disque', run: () => diskCheck(config.dataDir) },
    {
      id: 'poste.envois',
      area: 'poste',
      label: 'Envois en attente',
      run: () => (services ? outboxCheck(services.store.db, now()) : unavailable('poste.envois', 'poste', 'Envois en attente', noServices)),
    },
  );
  return checks;
}

export function runDiagnostic(inputs: DiagnosticInputs): Promise<DiagnosticReport & { text: string }> {
  const personal = inputs.services?.identity.session.snapshot().state === 'connecte';
  return runChecks(diagnosticChecks(inputs), {
    version: APP_VERSION,
    env: inputs.config?.env ?? 'inconnu',
    host: inputs.host,
    personal,
    ...(inputs.now ? { now: inputs.now } : {}),
    ...(inputs.deadlineMs ? { deadlineMs: inputs.deadlineMs } : {}),
  });
}

/** From running services (the screen, `Cabinet --diagnostic`). */
export function diagnosticOf(services: Services): Promise<DiagnosticReport & { text: string }> {
  return runDiagnostic({ host: services.host, config: services.config, keychain: services.keychain, services });
}

/**
 * Without running services (`cabinet doctor`, `Cabinet --diagnostic`): loads the configuration and the
 * services itself, and reports why when they cannot start — that is often what the diagnostic is for.
 */
export async function standaloneDiagnostic(host: HostKind, options: LoadConfigOptions = {}): Promise<DiagnosticReport & { text: string }> {
  let config: CabinetConfig | null = null;
  let configError: string | undefined;
  try {
    config = loadConfig(options);
  } catch (error) {
    configError = toFailure(error).message;
  }
  let services: Services | null = null;
  let servicesError: string | undefined;
  if (config) {
    try {
      services = await createServices({ ...options, host });
    } catch (error) {
      servicesError = toFailure(error).message;
    }
  }
  try {
    return await runDiagnostic({
      host,
      config,
      keychain: services?.keychain ?? new OsKeychain(),
      services,
      ...(configError ? { configError } : {}),
      ...(servicesError ? { servicesError } : {}),
    });
  } finally {
    await services?.close();
  }
}

/** `Cabinet --diagnostic [--json]` and `cabinet doctor`: what to print and the exit code (1 when a check is « échec »). */
export async function diagnosticCommand(
  host: HostKind,
  json: boolean,
  options: LoadConfigOptions = {},
): Promise<{ output: string; exitCode: number }> {
  const report = await standaloneDiagnostic(host, options);
  return { output: `${json ? JSON.stringify(report, null, 2) : report.text}\n`, exitCode: report.overall === 'echec' ? 1 : 0 };
}
