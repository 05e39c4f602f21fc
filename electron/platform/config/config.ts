/**
 * The validated configuration: environment defaults, then the managed
 * settings file (CABINET_CONFIG or the per-OS location), then environment
 * variables for support and testing. Pure apart from reading the files it is
 * told about; errors are CabinetError('CONFIG_INVALID') with a French message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CabinetError } from '../../../shared/contract/outcome.js';
import {
  environments,
  nationalServices,
  serviceEnvNames,
  serviceLabels,
  type CabinetEnvironment,
  type NationalService,
} from '../../../shared/domain/services.js';
import {
  userSettingKeys,
  userSettingSchemas,
  type SettingSource,
  type UserSettingKey,
  type UserSettings,
} from '../../../shared/domain/settings.js';
import { defaultManagedConfigPath, resolveDataDir } from '../paths.js';
import { allowedSchemes, defaultEndpoints } from './endpoints.js';

const MAX_MANAGED_FILE_BYTES = 256 * 1024;
const MAX_CA_FILE_BYTES = 1024 * 1024;

const lockableKeys = ['*', 'env', 'endpoints', ...nationalServices.map((s) => `endpoints.${s}`), ...userSettingKeys] as const;

/** An https folder address with no credentials, query or fragment (the updates' generic provider). */
function isUpdateFolderUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash;
  } catch {
    return false;
  }
}

const managedFileSchema = z
  .object({
    env: z.enum(environments).optional(),
    endpoints: z.partialRecord(z.enum(nationalServices), z.string().max(2048).nullable()).optional(),
    settings: z
      .object(
        Object.fromEntries(userSettingKeys.map((k) => [k, userSettingSchemas[k].optional()])) as {
          [K in UserSettingKey]: z.ZodOptional<(typeof userSettingSchemas)[K]>;
        },
      )
      .strict()
      .optional(),
    locked: z.array(z.enum(lockableKeys)).max(100).optional(),
    /** Folder of trust anchors, intermediate authorities and CRLs (IGC-Santé). */
    trustDir: z.string().max(1024).optional(),
    /** Updates of the installed app (electron/app/updates.ts): off, or the publisher's https folder. */
    updates: z
      .object({ enabled: z.boolean().optional(), url: z.string().max(2048).refine(isUpdateFolderUrl).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type ManagedFile = z.infer<typeof managedFileSchema>;

export interface EndpointConfig {
  url: string | null;
  source: SettingSource;
  locked: boolean;
}

export interface CabinetConfig {
  env: CabinetEnvironment;
  envSource: SettingSource;
  dataDir: string;
  managedFile: string | null;
  traceDir: string | null;
  extraCaFile: string | null;
  /** Additional trust anchors (PEM), on top of the system's. */
  extraCa: string[];
  /** IGC-Santé trust folder for practitioners' certificates (see identity/trust-store.ts). */
  trustDir: string | null;
  endpoints: Record<NationalService, EndpointConfig>;
  /** Values from the managed file; those in lockedSettings override the user's. */
  managedSettings: Partial<UserSettings>;
  lockedSettings: ReadonlySet<UserSettingKey>;
  /** The managed file's `updates` block, as written (checked by electron/app/updates.ts). */
  updates: NonNullable<ManagedFile['updates']>;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Data folder when CABINET_DATA_DIR is not set (Electron passes app.getPath('userData')). */
  dataDirFallback?: string;
}

function invalid(message: string, details?: unknown): never {
  throw new CabinetError('CONFIG_INVALID', message, details);
}

export function readManagedFile(file: string): ManagedFile {
  let raw: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) invalid(`Le fichier de configuration gérée ${file} n’est pas un fichier.`);
    if (stat.size > MAX_MANAGED_FILE_BYTES) invalid(`Le fichier de configuration gérée ${file} est trop volumineux (plus de 256 Ko).`);
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    invalid(`Le fichier de configuration gérée ${file} est illisible.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    invalid(`Le fichier de configuration gérée ${file} n’est pas du JSON valide.`);
  }
  const parsed = managedFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.map(String).join('.') || '(racine)';
    invalid(
      `Le fichier de configuration gérée ${file} est invalide (champ « ${where} »).`,
      parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), code: i.code })),
    );
  }
  return parsed.data;
}

export function validateEndpoint(service: NationalService, url: string, origin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    invalid(`L’adresse du service ${serviceLabels[service]} (${origin}) n’est pas une URL valide : ${url}`);
  }
  if (!allowedSchemes[service].includes(parsed.protocol)) {
    invalid(
      `L’adresse du service ${serviceLabels[service]} (${origin}) doit commencer par ${allowedSchemes[service].map((s) => `${s}//`).join(' ou ')} : ${url}`,
    );
  }
  if (parsed.username || parsed.password) {
    invalid(`L’adresse du service ${serviceLabels[service]} (${origin}) ne doit pas contenir d’identifiant ni de mot de passe.`);
  }
  return parsed.toString();
}

function readExtraCa(file: string): string[] {
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_CA_FILE_BYTES) invalid(`Le fichier CABINET_EXTRA_CA ${file} est trop volumineux.`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    invalid(`Le fichier d’autorités de confiance CABINET_EXTRA_CA est introuvable ou illisible : ${file}`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) invalid(`Le fichier CABINET_EXTRA_CA ${file} ne contient aucun certificat PEM.`);
  return pems;
}

export function loadConfig(options: LoadConfigOptions = {}): CabinetConfig {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;

  // Managed file: CABINET_CONFIG must exist when given; the per-OS file is optional.
  let managedFile: string | null = null;
  let managed: ManagedFile = {};
  const explicit = env.CABINET_CONFIG?.trim();
  if (explicit) {
    if (!fs.existsSync(explicit)) invalid(`Le fichier de configuration gérée CABINET_CONFIG est introuvable : ${explicit}`);
    managedFile = explicit;
  } else {
    const candidate = defaultManagedConfigPath(env, platform);
    if (fs.existsSync(candidate)) managedFile = candidate;
  }
  if (managedFile) managed = readManagedFile(managedFile);

  const locks = new Set(managed.locked ?? []);
  const isLocked = (key: string) => locks.has('*') || locks.has(key) || (key.startsWith('endpoints.') && locks.has('endpoints'));

  let envName: CabinetEnvironment = 'sandbox';
  let envSource: SettingSource = 'defaut';
  if (managed.env) {
    envName = managed.env;
    envSource = 'gere';
  }
  const envVar = env.CABINET_ENV?.trim();
  if (envVar) {
    if (!(environments as readonly string[]).includes(envVar)) {
      invalid(`CABINET_ENV doit valoir sandbox, qualification ou production (reçu : « ${envVar} »).`);
    }
    envName = envVar as CabinetEnvironment;
    envSource = 'variable';
  }

  const endpoints = {} as Record<NationalService, EndpointConfig>;
  for (const service of nationalServices) {
    let url = defaultEndpoints[envName][service];
    let source: SettingSource = 'defaut';
    const fromFile = managed.endpoints?.[service];
    if (fromFile !== undefined) {
      url = fromFile === null ? null : validateEndpoint(service, fromFile, 'fichier géré');
      source = 'gere';
    }
    const variable = `CABINET_${serviceEnvNames[service]}_URL`;
    const fromEnv = env[variable]?.trim();
    if (fromEnv) {
      url = validateEndpoint(service, fromEnv, variable);
      source = 'variable';
    }
    endpoints[service] = { url, source, locked: isLocked(`endpoints.${service}`) };
  }

  const extraCaFile = env.CABINET_EXTRA_CA?.trim() || null;
  const dataDir = resolveDataDir(env, options.dataDirFallback);
  // The sandbox trusts the test PKI made by `cabinet pki init <data>/pki-test`.
  const trustDir = env.CABINET_TRUST_DIR?.trim() || managed.trustDir || (envName === 'sandbox' ? path.join(dataDir, 'pki-test') : null);
  const traceDir = env.CABINET_TRACE_DIR?.trim() || null;

  return {
    env: envName,
    envSource,
    dataDir,
    managedFile,
    traceDir,
    extraCaFile,
    extraCa: extraCaFile ? readExtraCa(extraCaFile) : [],
    trustDir,
    endpoints,
    managedSettings: managed.settings ?? {},
    lockedSettings: new Set(userSettingKeys.filter((k) => isLocked(k))),
    updates: managed.updates ?? {},
  };
}
