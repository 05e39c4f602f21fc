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

/** `details.problemes` of INVALID_REQUEST: one line per invalid field of a request (see {@link describeIssues}). */
const problem = z.looseObject({ path: z.string(), message: z.string() });
/** `details.errors`: one message per form field (traits, médecin traitant…). */
const fieldError = z.looseObject({ field: z.string(), message: z.string() });
/** The IHE / XDS error codes a DMP refusal carries. */
const codes = z.array(z.string());
/** INSi's compte rendu (CR) and its label. */
const cr = { cr: z.string().optional(), libelle: z.string().optional() };

/**
 * The shape of each error code's `details`: the renderer reads them through
 * these types (narrow on `code`, then `details?.reason`…) instead of
 * guessing. Known fields are typed; a detail may carry more (a service's own
 * context for the diagnostics), which the renderer must not rely on. The
 * dispatcher checks every failure against its schema and reports a mismatch to
 * the diagnostics log (the details are then dropped, the failure kept).
 */
export const detailsSchemas = {
  INVALID_REQUEST: z.union([
    z.looseObject({
      /** The channel whose request broke its schema, and why, field by field. */
      channel: z.string().optional(),
      problemes: z.array(problem).optional(),
      /** The field (or setting key) refused. */
      field: z.string().optional(),
      key: z.string().optional(),
      /** A short machine reason (`taille`, `doctype`, `pdf`, `sans_metadata`…). */
      reason: z.string().optional(),
      errors: z.array(fieldError).optional(),
      status: z.number().int().optional(),
    }),
    /** INSi request builder: the problems alone. */
    z.array(problem),
  ]),
  UNKNOWN_CHANNEL: z.strictObject({}),
  FORBIDDEN_SENDER: z.strictObject({}),
  UNAUTHORIZED: z.looseObject({ reason: z.string().optional(), status: z.number().int().optional(), ...cr }),
  NOT_FOUND: z.looseObject({ field: z.string().optional(), codes: codes.optional(), ...cr }),
  CONFLICT: z.looseObject({
    /** The patient who already holds this INS. */
    uid: z.string().optional(),
    reason: z.string().optional(),
    codes: codes.optional(),
    status: z.string().optional(),
    attributes: z.array(z.string()).optional(),
    ...cr,
  }),
  SETTING_LOCKED: z.looseObject({ key: z.string().optional() }),
  UNAVAILABLE: z.looseObject({
    /** The national service (`psc`…), a network code (`ETIMEDOUT`…), a reason, an HTTP status. */
    service: z.string().optional(),
    code: z.string().optional(),
    reason: z.string().optional(),
    status: z.number().int().optional(),
    detail: z.string().optional(),
    cause: z.string().optional(),
    ...cr,
  }),
  KEYCHAIN_UNAVAILABLE: z.looseObject({ reason: z.string().optional() }),
  STORE_UNAVAILABLE: z.looseObject({
    reason: z.string().optional(),
    file: z.string().optional(),
    dataDir: z.string().optional(),
    schemaVersion: z.number().int().optional(),
    supported: z.number().int().optional(),
  }),
  CONFIG_INVALID: z.looseObject({ status: z.number().int().optional(), file: z.string().optional() }),
  /** `problems`: each failed rule (CDA self-check…). */
  CHECK_FAILED: z.looseObject({ problems: z.array(z.looseObject({ message: z.string().optional() })).optional() }),
  CREDENTIALS_REFUSED: z.looseObject({
    essaisRestants: z.union([z.number().int().min(0), z.literal('peu')]).optional(),
    reason: z.string().optional(),
  }),
  /** `absent`: nobody logged in; `locked`: the session is locked (unlock, or log out). */
  SESSION_REQUIRED: z.strictObject({ reason: z.enum(['absent', 'locked']) }),
  /** `reason`: why the certificate was refused (`expire`, `revoque`, `chaine`, `usage`…). */
  CERTIFICATE_REFUSED: z.looseObject({ reason: z.string() }),
  INTERNAL: z.strictObject({}),
} as const satisfies Record<ErrorCode, z.ZodType>;

export type DetailsOf<C extends ErrorCode> = z.output<(typeof detailsSchemas)[C]>;
export type FailureOf<C extends ErrorCode> = { ok: false; code: C; message: string; details?: DetailsOf<C> };
/** A discriminated union on `code`: narrowing on the code types `details`. */
export type Failure = { [C in ErrorCode]: FailureOf<C> }[ErrorCode];
export type Outcome<T> = { ok: true; value: T } | Failure;

export const failureSchema = z.discriminatedUnion(
  'code',
  errorCodes.map((code) =>
    z.object({ ok: z.literal(false), code: z.literal(code), message: z.string(), details: detailsSchemas[code].optional() }),
  ) as unknown as [
    z.ZodObject<{ ok: z.ZodLiteral<false>; code: z.ZodLiteral<ErrorCode>; message: z.ZodString; details: z.ZodOptional<z.ZodType> }>,
  ],
);

/** Why `details` do not fit their code's schema (a short French text), or null when they do (or are absent). */
export function detailsProblem(code: ErrorCode, details: unknown): string | null {
  if (details === undefined) return null;
  const parsed = detailsSchemas[code].safeParse(details);
  return parsed.success
    ? null
    : describeIssues(parsed.error)
        .map((p) => `${p.path} : ${p.message}`)
        .join(' ; ');
}

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

export function fail<C extends ErrorCode>(code: C, message?: string, details?: DetailsOf<C>): FailureOf<C> {
  const failure: FailureOf<C> = { ok: false, code, message: message ?? defaultMessages[code] };
  if (details !== undefined) failure.details = details;
  return failure;
}

/**
 * Turns anything thrown into a failure; unknown errors keep no internals.
 * Details that do not fit their code's schema are dropped (the failure is
 * kept) and reported through `onInvalidDetails`.
 */
export function toFailure(error: unknown, onInvalidDetails?: (code: ErrorCode, problem: string) => void): Failure {
  if (!(error instanceof CabinetError)) return fail('INTERNAL');
  const problem = detailsProblem(error.code, error.details);
  if (problem) onInvalidDetails?.(error.code, problem);
  const failure = { ok: false, code: error.code, message: error.message } as Failure;
  if (error.details !== undefined && !problem) failure.details = error.details as Failure['details'];
  return failure;
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
