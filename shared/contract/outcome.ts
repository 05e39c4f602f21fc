/**
 * Typed outcomes: the only shape an answer takes when it crosses a boundary
 * (IPC, browser bridge, CLI --json). Never a stack trace.
 */
import { z } from 'zod';

export const errorCodes = [
  'INVALID_REQUEST',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'SETTING_LOCKED',
  'UNAVAILABLE',
  'KEYCHAIN_UNAVAILABLE',
  'STORE_UNAVAILABLE',
  'CONFIG_INVALID',
  'CHECK_FAILED',
  'CREDENTIALS_REFUSED',
  'SESSION_REQUIRED',
  'CERTIFICATE_REFUSED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export type Failure = { ok: false; code: ErrorCode; message: string; details?: unknown };
export type Outcome<T> = { ok: true; value: T } | Failure;

export const failureSchema = z.object({
  ok: z.literal(false),
  code: z.enum(errorCodes),
  message: z.string(),
  details: z.unknown().optional(),
});

/** Default French messages, used when a failure has no more precise one. */
export const defaultMessages: Record<ErrorCode, string> = {
  INVALID_REQUEST: 'La demande est invalide.',
  UNKNOWN_CHANNEL: 'Cette action n’existe pas.',
  FORBIDDEN_SENDER: 'Demande refusée : elle ne provient pas de l’application.',
  UNAUTHORIZED: 'Accès refusé : jeton de session absent ou invalide.',
  NOT_FOUND: 'Élément introuvable.',
  CONFLICT: 'Cette action est impossible dans l’état actuel.',
  SETTING_LOCKED: 'Ce réglage est imposé par votre administrateur et ne peut pas être modifié.',
  UNAVAILABLE: 'Le service est momentanément indisponible.',
  KEYCHAIN_UNAVAILABLE: 'Le trousseau sécurisé du système est inaccessible.',
  STORE_UNAVAILABLE: 'La base de données locale ne peut pas être ouverte.',
  CONFIG_INVALID: 'La configuration est invalide.',
  CHECK_FAILED: 'Au moins une vérification a échoué.',
  CREDENTIALS_REFUSED: 'Code PIN ou mot de passe refusé.',
  SESSION_REQUIRED: 'Connectez-vous pour continuer.',
  CERTIFICATE_REFUSED: 'Certificat refusé : il n’a pas pu être validé.',
  INTERNAL: 'Une erreur inattendue est survenue. Elle a été consignée dans le journal de diagnostic.',
};

/**
 * The one error type of the code base. Services throw it; the dispatcher, the
 * browser bridge and the CLI turn it into a {@link Failure}.
 */
export class CabinetError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? defaultMessages[code]);
    this.name = 'CabinetError';
    this.code = code;
    this.details = details;
  }
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message?: string, details?: unknown): Failure {
  const failure: Failure = { ok: false, code, message: message ?? defaultMessages[code] };
  if (details !== undefined) failure.details = details;
  return failure;
}

/** Turns anything thrown into a failure; unknown errors keep no internals. */
export function toFailure(error: unknown): Failure {
  if (error instanceof CabinetError) return fail(error.code, error.message, error.details);
  return fail('INTERNAL');
}

/** French description of zod issues, for INVALID_REQUEST details. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.') || '(racine)',
    message: frenchIssue(issue),
  }));
}

function frenchIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `type attendu : ${String(issue.expected)}`;
    case 'too_big':
      return `valeur trop grande (maximum ${String(issue.maximum)})`;
    case 'too_small':
      return `valeur trop petite (minimum ${String(issue.minimum)})`;
    case 'unrecognized_keys':
      return `champ(s) inconnu(s) : ${issue.keys.join(', ')}`;
    case 'invalid_value':
      return 'valeur non autorisée';
    case 'invalid_format':
      return 'format invalide';
    case 'custom':
      return issue.message || 'valeur invalide';
    default:
      return 'valeur invalide';
  }
}
