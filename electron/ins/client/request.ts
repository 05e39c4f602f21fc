/**
 * INSi requests (pure): the SOAP 1.2 envelope of `rechercherInsAvecTraitsIdentite`
 * (RECSANSVITALE) and `rechercherInsAvecCarteVitale` (RECVITALE), exactly as
 * the official schemas order them (notes ins-cps.md §2.2, §1.4):
 *
 *   soap:Header
 *     ctxbam:ContexteBAM @Version=01_02   Id, Temps, Emetteur, COUVERTURE (empty for traits)
 *     ctxlps:ContexteLPS @Nature=CTXLPS @Version=01_00
 *                                         Id, Temps, Emetteur, LPS(IDAM @R=4, Version, Instance, Nom)
 *     wsa:Action, wsa:MessageID (uuid:…)
 *     wsse:Security                       CPS mode only: the signed assertion (assertion.ts)
 *   soap:Body
 *     RECSANSVITALE | RECVITALE           default namespace, schema order
 *
 * `Emetteur` is the OU of the INSI-AUTO/INSI-MANU certificate (mutual TLS) or
 * the assertion's NameID (CPS mode): the caller passes it.
 *
 * Every value comes from a validated input and goes through xml-escape.ts.
 * The name and COG rules and the first-name strategy are those of
 * shared/domain/ins (traits are normalised there, before they reach this
 * client); this file only checks the wire shape.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { CabinetError, describeIssues } from '../../../shared/contract/outcome.js';
import { COG_REGEX, INS_NAME_REGEX, insiFirstNameAttempts } from '../../../shared/domain/ins/traits.js';
import type { InsiAssertion } from './assertion.js';
import {
  CTXBAM_NS,
  CTXBAM_VERSION,
  CTXLPS_NATURE,
  CTXLPS_NS,
  CTXLPS_VERSION,
  IDAM_REFERENTIAL,
  RECSANS_NS,
  RECVIT_NS,
  SOAP12_NS,
  WSA_NS,
  WSSE_NS,
  insiOperations,
  type InsiOperation,
} from './wire.js';
import { isXmlSafe, xmlAttribute, xmlText } from './xml-escape.js';

// ---------------------------------------------------------------------------
// Inputs

/**
 * Names as the CNDA-validated client sends them (notes §1.1): upper-case A–Z
 * without accents; single space, apostrophe, hyphen or double hyphen between parts.
 */
export const INSI_NAME = INS_NAME_REGEX;
/** `DateLunaire`: YYYY-MM-DD where an unknown month or day is `00`. */
export const LUNAR_DATE = /^\d{4}-(?:0\d|1[0-2])-(?:[0-2]\d|3[01])$/;
/** COG code of the birthplace (5 characters; Corsica 2A/2B; 99xxx abroad). */
export const COG = COG_REGEX;
/** NIR / NIA matricule without key, as the BAM context constrains it. */
export const MATRICULE = /^\d{6}[AB0-9]\d{6}$/;

/** Our own French messages: kept in the details as they are (zod's defaults are translated by describeIssues). */
const ownMessages = new Set<string>();
function own(message: string): string {
  ownMessages.add(message);
  return message;
}

const name = (label: string, max = 100) =>
  z
    .string()
    .trim()
    .min(1, own(`${label} manquant`))
    .max(max)
    .regex(INSI_NAME, own(`${label} : majuscules sans accents, séparées par une espace, une apostrophe ou un tiret`));
const lunarDate = z.string().trim().regex(LUNAR_DATE, own('date attendue au format AAAA-MM-JJ'));
const sexe = z.enum(['M', 'F']);

export const traitsQuerySchema = z
  .object({
    nomNaissance: name('nom de naissance'),
    /** One given name, or (last attempt of the strategy) the whole space-separated list. */
    prenom: name('prénom', 300),
    sexe,
    dateNaissance: lunarDate,
    lieuNaissance: z.string().trim().regex(COG, own('code INSEE (COG) de 5 caractères attendu')).optional(),
  })
  .strict();
export type InsiTraitsQuery = z.input<typeof traitsQuerySchema>;

/** What the user typed, all given names included (the client turns it into attempts, see {@link traitsAttempts}). */
export const traitsSearchSchema = z
  .object({
    nomNaissance: name('nom de naissance'),
    /** The given names, in civil-status order: a list, or one space-separated string. */
    prenoms: z.union([z.string().max(300), z.array(z.string().max(100)).min(1).max(20)]),
    sexe,
    dateNaissance: lunarDate,
    lieuNaissance: z.string().trim().regex(COG, own('code INSEE (COG) de 5 caractères attendu')).optional(),
  })
  .strict();
export type InsiTraitsSearch = z.input<typeof traitsSearchSchema>;

export const vitaleQuerySchema = z
  .object({
    /** The beneficiary's own NIR from the card (13 characters, no key), when the card carries one. */
    matriculeIndividu: z.string().trim().regex(MATRICULE, own('matricule de 13 caractères attendu')).optional(),
    /** The insured holder's NIR (ouvrant droit), 13 characters without key. */
    matriculeOD: z.string().trim().regex(MATRICULE, own('matricule de 13 caractères attendu')),
    nomNaissance: name('nom'),
    dateNaissance: lunarDate,
    /** Birth rank (twins), 1 to 9, as on the card. */
    rangNaissance: z.number().int().min(1).max(9),
  })
  .strict();
export type InsiVitaleQuery = z.input<typeof vitaleQuerySchema>;

const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(isXmlSafe, { message: own('caractère interdit') });
const token = (max: number) =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,${max - 1}}$`), own('lettres, chiffres, « . », « _ », « + » ou « - »'));

/**
 * The software as the CNDA registered it. Configuration (the lead wires it):
 * `authorisationNumber` = IDAM (CNDA authorisation number), `name` and
 * `version` make `urn:lps:{name}:{version}`, `instance` identifies this
 * installation (a stable UUID).
 */
export const softwareSchema = z
  .object({
    authorisationNumber: token(64),
    name: token(64),
    version: token(32),
    instance: printable(64),
  })
  .strict();
export type InsiSoftware = z.input<typeof softwareSchema>;

function parse<T>(
  schema: z.ZodType<T>,
  input: unknown,
  message: string,
  code: 'INVALID_REQUEST' | 'CONFIG_INVALID' = 'INVALID_REQUEST',
): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const french = describeIssues(parsed.error);
    const details = french.map((entry, i) => {
      const issue = parsed.error.issues[i];
      return issue && ownMessages.has(issue.message) ? { path: entry.path, message: issue.message } : entry;
    });
    throw new CabinetError(code, message, details);
  }
  return parsed.data;
}

export function parseTraitsQuery(input: unknown): z.output<typeof traitsQuerySchema> {
  return parse(traitsQuerySchema, input, 'Les traits d’identité sont incomplets ou invalides pour une recherche INSi.');
}

export function parseVitaleQuery(input: unknown): z.output<typeof vitaleQuerySchema> {
  return parse(vitaleQuerySchema, input, 'Les données de la carte Vitale sont incomplètes ou invalides pour une recherche INSi.');
}

export function parseSoftware(input: unknown): z.output<typeof softwareSchema> {
  return parse(
    softwareSchema,
    input,
    'Identité du logiciel pour INSi invalide (numéro d’autorisation, nom, version ou instance) : vérifiez la configuration.',
    'CONFIG_INVALID',
  );
}

/**
 * The strategy of validated clients (notes §1.4, shared/domain/ins
 * `insiFirstNameAttempts`): each given name alone, in order, then the whole
 * space-joined list — one attempt when there is one name.
 */
export function traitsAttempts(input: InsiTraitsSearch): { query: z.output<typeof traitsQuerySchema>; prenoms: string[] } {
  const search = parse(traitsSearchSchema, input, 'Les traits d’identité sont incomplets ou invalides pour une recherche INSi.');
  const list = (typeof search.prenoms === 'string' ? [search.prenoms] : search.prenoms)
    .flatMap((entry) => entry.trim().split(/\s+/))
    .filter((entry) => entry.length > 0)
    .join(' ');
  const prenoms = insiFirstNameAttempts(list);
  if (prenoms.length === 0)
    throw new CabinetError('INVALID_REQUEST', 'Au moins un prénom est nécessaire pour une recherche INSi.', [
      { path: 'prenoms', message: 'prénom manquant' },
    ]);
  // Validates every attempt now: nothing is sent when one of them would be refused.
  const query = parseTraitsQuery({
    nomNaissance: search.nomNaissance,
    prenom: prenoms[0],
    sexe: search.sexe,
    dateNaissance: search.dateNaissance,
    ...(search.lieuNaissance ? { lieuNaissance: search.lieuNaissance } : {}),
  });
  for (const prenom of prenoms) parseTraitsQuery({ ...query, prenom });
  return { query, prenoms };
}

// ---------------------------------------------------------------------------
// Envelope

export interface InsiRequestContext {
  /** `Emetteur` of both contexts: the certificate's OU (mutual TLS) or the assertion's NameID (CPS). */
  emitter: string;
  software: InsiSoftware;
  /** CPS mode: the signed assertion, put in `wsse:Security`. */
  assertion?: InsiAssertion | null;
  now?: Date;
  /** Fixed identifiers (tests); random UUIDs otherwise. */
  ids?: { messageId?: string; bamId?: string; lpsId?: string };
}

export interface InsiRequest {
  operation: InsiOperation;
  action: string;
  /** `wsa:MessageID` (`uuid:…`), echoed by INSi in fault details. */
  messageId: string;
  xml: string;
  /** HTTP headers of the SOAP 1.2 POST (the action goes in the content type). */
  headers: Record<string, string>;
}

function element(prefix: string, localName: string, text: string): string {
  return `<${prefix}:${localName}>${xmlText(text)}</${prefix}:${localName}>`;
}

/** Plain (default-namespace) child of the body element; omitted when the value is absent. */
function child(localName: string, text: string | undefined): string {
  return text === undefined ? '' : `<${localName}>${xmlText(text)}</${localName}>`;
}

interface Couverture {
  assure: string;
  beneficiaire?: string;
  dateNai: string;
  rang: number;
}

function couverture(value: Couverture | null): string {
  if (!value) return '<ctxbam:COUVERTURE/>';
  return (
    '<ctxbam:COUVERTURE>' +
    `<ctxbam:ASSURE><ctxbam:Id>${element('ctxbam', 'Num', value.assure)}</ctxbam:Id></ctxbam:ASSURE>` +
    '<ctxbam:BENEFICIAIRE>' +
    (value.beneficiaire ? `<ctxbam:Nir>${element('ctxbam', 'Num', value.beneficiaire)}</ctxbam:Nir>` : '') +
    element('ctxbam', 'DateNai', value.dateNai) +
    element('ctxbam', 'Rang', String(value.rang)) +
    '</ctxbam:BENEFICIAIRE>' +
    '</ctxbam:COUVERTURE>'
  );
}

function envelope(operation: InsiOperation, body: string, context: InsiRequestContext, cover: Couverture | null): InsiRequest {
  const software = parseSoftware(context.software);
  const emitter = context.emitter.trim();
  if (!emitter || emitter.length > 200)
    throw new CabinetError(
      'CONFIG_INVALID',
      'Émetteur INSi absent ou trop long (unité organisationnelle du certificat ou identifiant du praticien).',
    );
  const now = (context.now ?? new Date()).toISOString();
  const messageId = context.ids?.messageId ?? `uuid:${crypto.randomUUID()}`;
  const bamId = context.ids?.bamId ?? crypto.randomUUID();
  const lpsId = context.ids?.lpsId ?? crypto.randomUUID();
  const { action } = insiOperations[operation];
  const security = context.assertion ? `<wsse:Security xmlns:wsse="${WSSE_NS}">${context.assertion.xml}</wsse:Security>` : '';

  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP12_NS}">` +
    '<soap:Header>' +
    `<ctxbam:ContexteBAM xmlns:ctxbam="${CTXBAM_NS}" Version="${CTXBAM_VERSION}">` +
    element('ctxbam', 'Id', bamId) +
    element('ctxbam', 'Temps', now) +
    element('ctxbam', 'Emetteur', emitter) +
    couverture(cover) +
    '</ctxbam:ContexteBAM>' +
    `<ctxlps:ContexteLPS xmlns:ctxlps="${CTXLPS_NS}" Nature="${CTXLPS_NATURE}" Version="${CTXLPS_VERSION}">` +
    element('ctxlps', 'Id', lpsId) +
    element('ctxlps', 'Temps', now) +
    element('ctxlps', 'Emetteur', emitter) +
    '<ctxlps:LPS>' +
    `<ctxlps:IDAM R="${xmlAttribute(IDAM_REFERENTIAL)}">${xmlText(software.authorisationNumber)}</ctxlps:IDAM>` +
    element('ctxlps', 'Version', software.version) +
    element('ctxlps', 'Instance', software.instance) +
    element('ctxlps', 'Nom', `urn:lps:${software.name}:${software.version}`) +
    '</ctxlps:LPS>' +
    '</ctxlps:ContexteLPS>' +
    `<wsa:Action xmlns:wsa="${WSA_NS}">${xmlText(action)}</wsa:Action>` +
    `<wsa:MessageID xmlns:wsa="${WSA_NS}">${xmlText(messageId)}</wsa:MessageID>` +
    security +
    '</soap:Header>' +
    `<soap:Body>${body}</soap:Body>` +
    '</soap:Envelope>';

  return {
    operation,
    action,
    messageId,
    xml,
    headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"`, accept: 'application/soap+xml, text/xml' },
  };
}

/** `rechercherInsAvecTraitsIdentite`: one `Prenom` per request (the strategy lives in the client). */
export function buildTraitsRequest(input: InsiTraitsQuery, context: InsiRequestContext): InsiRequest {
  const query = parseTraitsQuery(input);
  const body =
    `<RECSANSVITALE xmlns="${RECSANS_NS}">` +
    child('NomNaissance', query.nomNaissance) +
    child('Prenom', query.prenom) +
    child('Sexe', query.sexe) +
    child('DateNaissance', query.dateNaissance) +
    child('LieuNaissance', query.lieuNaissance) +
    '</RECSANSVITALE>';
  return envelope('rechercherInsAvecTraitsIdentite', body, context, null);
}

/** `rechercherInsAvecCarteVitale`, with the card's coverage in `ContexteBAM/COUVERTURE`. */
export function buildVitaleRequest(input: InsiVitaleQuery, context: InsiRequestContext): InsiRequest {
  const card = parseVitaleQuery(input);
  const body =
    `<RECVITALE xmlns="${RECVIT_NS}">` +
    (card.matriculeIndividu ? `<MatriculeIndividu>${child('NumIdentifiant', card.matriculeIndividu)}</MatriculeIndividu>` : '') +
    `<MatriculeOD>${child('NumIdentifiant', card.matriculeOD)}</MatriculeOD>` +
    child('NomNaissance', card.nomNaissance) +
    child('DateNaissance', card.dateNaissance) +
    child('RangNaissance', String(card.rangNaissance)) +
    '</RECVITALE>';
  const cover: Couverture = { assure: card.matriculeOD, dateNai: card.dateNaissance, rang: card.rangNaissance };
  if (card.matriculeIndividu) cover.beneficiaire = card.matriculeIndividu;
  return envelope('rechercherInsAvecCarteVitale', body, context, cover);
}
