/**
 * Pro Santé Connect, pure rules: the schemas every answer must match, the
 * userinfo → {@link Practitioner} mapping, OAuth errors → French
 * {@link CabinetError}s, and the code shown on screen and on the phone.
 * No I/O here (see client.ts).
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { CabinetError, type ErrorCode } from '../../../shared/contract/outcome.js';
import {
  parseIdNatPs,
  practitionerSchema,
  professionLabel,
  specialtyLabels,
  type Practitioner,
} from '../../../shared/domain/practitioner.js';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
/** The scope PSC's own CIBA client sends (ansforge/psc-edc-proxy-esante). */
export const PSC_SCOPE = 'openid scope_all';
export const PSC_ACR = 'eidas1';

export const pscMessages = {
  unavailable: 'Pro Santé Connect ne répond pas',
  unknownUser: 'Identifiant national inconnu de Pro Santé Connect',
  denied: 'Connexion refusée sur le téléphone',
  expired: 'La demande a expiré : recommencez',
  invalidResponse: 'Réponse invalide de Pro Santé Connect',
  untrusted: 'Connexion à Pro Santé Connect refusée : le certificat du serveur n’est pas reconnu',
  badClient: 'Cabinet n’est pas reconnu par Pro Santé Connect (identifiant ou secret du logiciel refusé)',
  refused: 'Pro Santé Connect a refusé la demande',
  sessionEnded: 'Session Pro Santé Connect terminée : reconnectez-vous',
  noSession: 'Aucune session Pro Santé Connect ouverte',
  unknownRequest: 'Demande de connexion inconnue : recommencez',
  badIdNat: 'Identifiant national invalide : 8 suivi du n° RPPS (11 chiffres) ou 0 suivi du n° ADELI',
  serverError: 'Pro Santé Connect est momentanément indisponible',
} as const;

/** Why a PSC step failed, for the screen to choose what to offer (retry, re-enter the id…). */
export type PscFailureReason =
  'indisponible' | 'certificat' | 'inconnu' | 'refuse' | 'expire' | 'invalide' | 'client' | 'demande' | 'session';

export function pscError(code: ErrorCode, message: string, reason: PscFailureReason, extra: Record<string, unknown> = {}): CabinetError {
  return new CabinetError(code, message, { service: 'psc', reason, ...extra });
}

export function invalidResponse(detail: string): CabinetError {
  return pscError('UNAVAILABLE', pscMessages.invalidResponse, 'invalide', { detail });
}

// ---------------------------------------------------------------- schemas

const httpsUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      return new URL(value).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'adresse https attendue');

/** OIDC discovery (`.well-known/wallet-openid-configuration`), only what Cabinet relies on; other fields pass. */
export const discoverySchema = z.looseObject({
  issuer: httpsUrl,
  token_endpoint: httpsUrl,
  userinfo_endpoint: httpsUrl,
  jwks_uri: httpsUrl,
  backchannel_authentication_endpoint: httpsUrl,
  end_session_endpoint: httpsUrl.optional(),
  grant_types_supported: z
    .array(z.string().max(200))
    .max(100)
    .refine((g) => g.includes(CIBA_GRANT), 'CIBA non annoncé'),
  backchannel_token_delivery_modes_supported: z
    .array(z.string().max(50))
    .max(10)
    .refine((m) => m.includes('poll'), 'mode poll non annoncé'),
  token_endpoint_auth_methods_supported: z
    .array(z.string().max(100))
    .max(50)
    .refine((m) => m.includes('client_secret_basic'), 'client_secret_basic non annoncé')
    .optional(),
});
export type PscDiscovery = z.infer<typeof discoverySchema>;

export const jwksSchema = z.object({
  keys: z
    .array(z.looseObject({ kty: z.string().max(10), kid: z.string().max(200).optional() }))
    .min(1)
    .max(50),
});

/** CIBA acknowledgement (CIBA Core §7.3). `interval` defaults to 5 s when absent. */
export const cibaAckSchema = z.looseObject({
  auth_req_id: z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[\x21-\x7e]+$/),
  expires_in: z.number().int().positive().max(3600),
  interval: z.number().int().min(0).max(60).optional(),
});

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1).max(16_384),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive().max(86_400),
  refresh_token: z.string().min(1).max(16_384).optional(),
  refresh_expires_in: z
    .number()
    .int()
    .nonnegative()
    .max(31 * 86_400)
    .optional(),
  id_token: z.string().min(1).max(16_384).optional(),
  scope: z.string().max(2000).optional(),
  session_state: z.string().max(200).optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const oauthErrorSchema = z.looseObject({
  error: z.string().min(1).max(100),
  error_description: z.string().max(2000).optional(),
});

const short = z.string().max(512);
const activitySchema = z.looseObject({
  codeModeExercice: short.optional(),
  codeSecteurDactivite: short.optional(),
  identifiantTechniqueDeLaStructure: short.optional(),
  raisonSocialeSite: short.optional(),
});
const exerciceSchema = z.looseObject({
  codeProfession: short.optional(),
  codeCategorieProfessionnelle: short.optional(),
  codeCiviliteDexercice: short.optional(),
  nomDexercice: short.optional(),
  prenomDexercice: short.optional(),
  codeTypeSavoirFaire: short.optional(),
  codeSavoirFaire: short.optional(),
  activities: z.array(activitySchema).max(100).optional(),
});

/** PSC userinfo (ANS mock, notes ins-cps §5). Unknown claims pass; what Cabinet reads is typed and bounded. */
export const userinfoSchema = z.looseObject({
  sub: z.string().min(1).max(512),
  SubjectNameID: z.string().min(1).max(64),
  preferred_username: short.optional(),
  given_name: short.optional(),
  family_name: short.optional(),
  SubjectOrganization: short.optional(),
  SubjectOrganizationID: short.optional(),
  SubjectRole: z.array(short).max(50).optional(),
  Secteur_Activite: short.optional(),
  SubjectRefPro: z
    .looseObject({
      codeCivilite: short.optional(),
      exercices: z.array(exerciceSchema).max(50).optional(),
    })
    .optional(),
});
export type PscUserinfo = z.infer<typeof userinfoSchema>;

export function parseOrInvalid<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    throw invalidResponse(`${what} : ${first ? `${first.path.join('.') || '(racine)'} ${first.message}` : 'format inattendu'}`);
  }
  return result.data;
}

// ---------------------------------------------------------------- mapping

const titles: Record<string, string> = { DR: 'Dr', PR: 'Pr' };

const nonEmpty = (value: string | undefined): string | undefined => (value && value.trim() !== '' ? value.trim() : undefined);

/**
 * Userinfo → the practitioner Cabinet shows and puts in every VIHF.
 * `expectedIdNatPs` is the identifier the login was started for: PSC must
 * have authenticated that person and no other.
 */
export function practitionerFromUserinfo(info: PscUserinfo, expectedIdNatPs: string): Practitioner {
  if (info.SubjectNameID !== expectedIdNatPs) {
    throw invalidResponse('SubjectNameID différent de l’identifiant demandé');
  }
  const exercices = info.SubjectRefPro?.exercices ?? [];
  const exercice = exercices.find((e) => nonEmpty(e.codeProfession)) ?? exercices[0];
  const professionCode = nonEmpty(exercice?.codeProfession) ?? nonEmpty(info.SubjectRole?.[0]?.split('^')[0]);
  if (!professionCode) throw invalidResponse('profession absente (SubjectRefPro et SubjectRole)');
  const givenName = nonEmpty(info.given_name) ?? nonEmpty(exercice?.prenomDexercice);
  const surname = nonEmpty(info.family_name) ?? nonEmpty(exercice?.nomDexercice);
  if (!givenName || !surname) throw invalidResponse('nom ou prénom absent');

  const title = titles[(exercice?.codeCiviliteDexercice ?? '').trim().toUpperCase()];
  const specialtyCode = exercice?.codeTypeSavoirFaire === 'S' ? nonEmpty(exercice.codeSavoirFaire) : undefined;
  const structureId =
    nonEmpty(info.SubjectOrganizationID) ??
    exercice?.activities?.map((a) => nonEmpty(a.identifiantTechniqueDeLaStructure)).find((id) => id !== undefined);

  const displayGiven = givenName
    .toLowerCase()
    .replace(/(^|[\s'’-])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
  const candidate: Practitioner = {
    idNatPs: info.SubjectNameID,
    ...parseIdNatPs(info.SubjectNameID),
    givenName,
    surname,
    displayName: [title, displayGiven, surname.toUpperCase()].filter(Boolean).join(' '),
    professionCode,
    professionLabel: professionLabel(professionCode),
    ...(specialtyCode
      ? { specialtyCode, ...(specialtyLabels[specialtyCode] ? { specialtyLabel: specialtyLabels[specialtyCode] } : {}) }
      : {}),
    ...(structureId ? { structureId } : {}),
    source: 'e_cps',
  };
  const parsed = practitionerSchema.safeParse(candidate);
  if (!parsed.success) throw invalidResponse('identité du professionnel non conforme');
  return parsed.data;
}

// ---------------------------------------------------------------- errors

/** An OAuth error answered by PSC → the French error the user reads. */
export function errorFromOAuth(error: string, description: string | undefined, status: number): CabinetError {
  const extra = { error, status };
  switch (error) {
    case 'unknown_user_id':
      return pscError('NOT_FOUND', pscMessages.unknownUser, 'inconnu', extra);
    case 'access_denied':
      return pscError('CREDENTIALS_REFUSED', pscMessages.denied, 'refuse', extra);
    case 'expired_token':
      return pscError('CONFLICT', pscMessages.expired, 'expire', extra);
    case 'invalid_client':
    case 'unauthorized_client':
      return pscError('CONFIG_INVALID', pscMessages.badClient, 'client', extra);
    case 'invalid_grant':
    case 'invalid_token':
      return pscError('UNAUTHORIZED', pscMessages.sessionEnded, 'session', extra);
    case 'temporarily_unavailable':
    case 'server_error':
      return pscError('UNAVAILABLE', pscMessages.serverError, 'indisponible', extra);
    case 'invalid_request':
      // Upstream Keycloak answers an unknown login_hint with invalid_request "invalid user".
      if (description && /invalid user|user not found|unknown user/i.test(description)) {
        return pscError('NOT_FOUND', pscMessages.unknownUser, 'inconnu', extra);
      }
      return pscError('INVALID_REQUEST', `${pscMessages.refused} (${error})`, 'demande', extra);
    default:
      return pscError('INVALID_REQUEST', `${pscMessages.refused} (${error.slice(0, 60)})`, 'demande', extra);
  }
}

// ---------------------------------------------------------------- binding message

/** No 0/O, 1/I/L: the practitioner compares it at a glance on two screens. */
const BINDING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Short code shown on Cabinet's screen and in the e-CPS app (fits Keycloak's binding_message rule). */
export function bindingCode(length = 4, pick: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < length; i++) code += BINDING_ALPHABET[pick(BINDING_ALPHABET.length)];
  return code;
}

/** `8` + RPPS or `0` + ADELI, as PSC's login_hint. */
export function isIdNatPs(value: string): boolean {
  return Object.keys(parseIdNatPs(value)).length > 0;
}
