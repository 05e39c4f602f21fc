/**
 * The MSSanté-specific headers (Référentiel #2 §3.8, §3.4.2.3; notes mss.md
 * §2.2), pure:
 *
 * | header | when | value |
 * |---|---|---|
 * | `X-MSS-NIL` | every mail sent | the LPS reference from the ANS declaration platform (`DEV935997`) |
 * | `X-MSS-CODECDA` | ≥ 1 CDA inside IHE_XDM, absent otherwise | the CDA `code` of each document, comma-separated |
 * | `X-MSS-INS` | ≥ 1 CDA inside IHE_XDM, absent otherwise | `O` qualified INS present, `N` otherwise |
 * | `X-MSS-MES` | to `@patient.mssante.fr`, when the professional closes the exchange | `FIN` |
 *
 * {@link buildMssHeaders} is strict (what we send); {@link readMssHeaders} is
 * lenient (what we receive: every deviation becomes a French remark, never
 * an exception).
 */
import { CabinetError } from '../../contract/outcome.js';

export const MSS_HEADERS = {
  nil: 'X-MSS-NIL',
  codeCda: 'X-MSS-CODECDA',
  ins: 'X-MSS-INS',
  mes: 'X-MSS-MES',
} as const;
export type MssHeaderName = (typeof MSS_HEADERS)[keyof typeof MSS_HEADERS];

/** French names of the headers, for the message details panel and the CLI. */
export const mssHeaderLabels: Record<MssHeaderName, string> = {
  'X-MSS-NIL': 'Référence du logiciel émetteur (NIL)',
  'X-MSS-CODECDA': 'Type(s) de document CDA',
  'X-MSS-INS': 'INS qualifié dans le document',
  'X-MSS-MES': 'Fin d’échange avec le patient',
};

export interface MssHeaders {
  nil?: string;
  /** One code per CDA document, in order. */
  codeCda?: string[];
  ins?: 'O' | 'N';
  mes?: 'FIN';
}

/** The NIL and CDA codes: letters, digits, dot, hyphen, underscore (`DEV935997`, `34112-3`, `11488-4`). */
const TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_CDA_CODES = 50;

export interface BuildMssHeadersInput {
  /** The LPS reference (`X-MSS-NIL`), mandatory on every mail. */
  nil: string;
  /** CDA `code` of each CDA in the IHE_XDM attachment; empty or absent when there is none. */
  cdaCodes?: readonly string[];
  /** Whether the CDA(s) carry a qualified INS (matricule + OID + traits). Required when there are CDAs. */
  insQualifie?: boolean;
  /** Whether a recipient is a patient mailbox (`@patient.mssante.fr`). */
  toPatient?: boolean;
  /** Close the exchange: the patient will not be able to reply (`X-MSS-MES: FIN`). Only to a patient. */
  finEchange?: boolean;
}

const invalid = (message: string, details?: unknown) => new CabinetError('INVALID_REQUEST', message, details);

/**
 * The headers to put on an outgoing mail, in a stable order. Throws
 * INVALID_REQUEST with a French message when a rule is broken.
 */
export function buildMssHeaders(input: BuildMssHeadersInput): Partial<Record<MssHeaderName, string>> {
  const nil = input.nil.trim();
  if (nil === '')
    throw invalid('En-tête X-MSS-NIL obligatoire : renseignez la référence du logiciel (plateforme de déclaration de l’ANS).', {
      header: MSS_HEADERS.nil,
    });
  if (!TOKEN.test(nil))
    throw invalid(`En-tête X-MSS-NIL invalide : « ${nil} » (lettres, chiffres, « . », « - » ou « _ », 64 caractères au plus).`, {
      header: MSS_HEADERS.nil,
    });
  const out: Partial<Record<MssHeaderName, string>> = { [MSS_HEADERS.nil]: nil };
  const codes = (input.cdaCodes ?? []).map((c) => c.trim());
  if (codes.length > MAX_CDA_CODES)
    throw invalid(`Trop de documents CDA dans un seul message (${codes.length}, ${MAX_CDA_CODES} au plus).`, {
      header: MSS_HEADERS.codeCda,
    });
  const bad = codes.find((c) => !TOKEN.test(c));
  if (bad !== undefined) throw invalid(`Code de document CDA invalide pour X-MSS-CODECDA : « ${bad} ».`, { header: MSS_HEADERS.codeCda });
  if (codes.length > 0) {
    if (input.insQualifie === undefined)
      throw invalid('En-tête X-MSS-INS obligatoire avec un document CDA : précisez si l’INS du patient est qualifié.', {
        header: MSS_HEADERS.ins,
      });
    out[MSS_HEADERS.codeCda] = codes.join(',');
    out[MSS_HEADERS.ins] = input.insQualifie ? 'O' : 'N';
  }
  if (input.finEchange) {
    if (!input.toPatient)
      throw invalid('La fin d’échange (X-MSS-MES: FIN) ne s’utilise que pour un message adressé à un patient (@patient.mssante.fr).', {
        header: MSS_HEADERS.mes,
      });
    out[MSS_HEADERS.mes] = 'FIN';
  }
  return out;
}

export type MssHeaderRemarkReason = 'absent' | 'valeur_invalide' | 'incoherent' | 'repete';

export interface MssHeaderRemark {
  header: MssHeaderName;
  reason: MssHeaderRemarkReason;
  message: string;
}

export interface ReadMssHeadersResult {
  headers: MssHeaders;
  /** Raw values as received (first occurrence), for display. */
  bruts: Partial<Record<MssHeaderName, string>>;
  remarques: MssHeaderRemark[];
}

/**
 * Reads the X-MSS-* headers of a received mail. `get(name)` returns every
 * value of a header (case-insensitive name), `[]` when absent.
 * `hasCda`: whether an IHE_XDM with a CDA was found (to check coherence);
 * `undefined` when unknown.
 */
export function readMssHeaders(get: (name: MssHeaderName) => readonly string[], hasCda?: boolean): ReadMssHeadersResult {
  const headers: MssHeaders = {};
  const bruts: Partial<Record<MssHeaderName, string>> = {};
  const remarques: MssHeaderRemark[] = [];
  const first = (name: MssHeaderName): string | undefined => {
    const values = get(name);
    if (values.length > 1)
      remarques.push({
        header: name,
        reason: 'repete',
        message: `En-tête ${name} présent ${values.length} fois : seule la première valeur est lue.`,
      });
    const value = values[0]?.replace(/[\r\n]+/g, ' ').trim();
    if (value !== undefined) bruts[name] = value.slice(0, 1000);
    return value;
  };

  const nil = first(MSS_HEADERS.nil);
  if (nil === undefined)
    remarques.push({
      header: MSS_HEADERS.nil,
      reason: 'absent',
      message: 'En-tête X-MSS-NIL absent : le logiciel émetteur ne s’est pas identifié.',
    });
  else if (TOKEN.test(nil)) headers.nil = nil;
  else
    remarques.push({
      header: MSS_HEADERS.nil,
      reason: 'valeur_invalide',
      message: `Valeur de X-MSS-NIL non reconnue : « ${nil.slice(0, 80)} ».`,
    });

  const codes = first(MSS_HEADERS.codeCda);
  if (codes !== undefined) {
    const list = codes
      .split(/[,;]/)
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const good = list.filter((c) => TOKEN.test(c)).slice(0, MAX_CDA_CODES);
    if (good.length !== list.length || list.length === 0) {
      remarques.push({
        header: MSS_HEADERS.codeCda,
        reason: 'valeur_invalide',
        message: `Valeur de X-MSS-CODECDA non reconnue en partie : « ${codes.slice(0, 80)} ».`,
      });
    }
    if (good.length > 0) headers.codeCda = good;
  }

  const ins = first(MSS_HEADERS.ins);
  if (ins !== undefined) {
    const upper = ins.toUpperCase();
    if (upper === 'O' || upper === 'N') headers.ins = upper;
    else
      remarques.push({
        header: MSS_HEADERS.ins,
        reason: 'valeur_invalide',
        message: `Valeur de X-MSS-INS non reconnue : « ${ins.slice(0, 80)} » (attendu O ou N).`,
      });
  }

  const mes = first(MSS_HEADERS.mes);
  if (mes !== undefined) {
    if (mes.toUpperCase() === 'FIN') headers.mes = 'FIN';
    else
      remarques.push({
        header: MSS_HEADERS.mes,
        reason: 'valeur_invalide',
        message: `Valeur de X-MSS-MES non reconnue : « ${mes.slice(0, 80)} » (attendu FIN).`,
      });
  }

  if (hasCda === true) {
    if (codes === undefined)
      remarques.push({
        header: MSS_HEADERS.codeCda,
        reason: 'absent',
        message: 'Le message contient un document CDA mais pas d’en-tête X-MSS-CODECDA.',
      });
    if (ins === undefined)
      remarques.push({
        header: MSS_HEADERS.ins,
        reason: 'absent',
        message: 'Le message contient un document CDA mais pas d’en-tête X-MSS-INS.',
      });
  } else if (hasCda === false) {
    if (codes !== undefined)
      remarques.push({
        header: MSS_HEADERS.codeCda,
        reason: 'incoherent',
        message: 'En-tête X-MSS-CODECDA présent alors que le message ne contient aucun document CDA dans une archive IHE_XDM.',
      });
    if (ins !== undefined)
      remarques.push({
        header: MSS_HEADERS.ins,
        reason: 'incoherent',
        message: 'En-tête X-MSS-INS présent alors que le message ne contient aucun document CDA dans une archive IHE_XDM.',
      });
  }
  return { headers, bruts, remarques };
}

export interface MssHeaderLine {
  header: MssHeaderName;
  label: string;
  value: string;
  /** The value said in French (`Oui : INS qualifié`, `Le patient ne peut pas répondre`). */
  texte: string;
}

/** The headers as French lines, in the table's order. */
export function describeMssHeaders(headers: MssHeaders): MssHeaderLine[] {
  const lines: MssHeaderLine[] = [];
  const push = (header: MssHeaderName, value: string, texte: string) =>
    lines.push({ header, label: mssHeaderLabels[header], value, texte });
  if (headers.nil !== undefined) push(MSS_HEADERS.nil, headers.nil, headers.nil);
  if (headers.codeCda !== undefined) push(MSS_HEADERS.codeCda, headers.codeCda.join(','), headers.codeCda.join(', '));
  if (headers.ins !== undefined)
    push(
      MSS_HEADERS.ins,
      headers.ins,
      headers.ins === 'O' ? 'Oui : le document porte un INS qualifié' : 'Non : le document ne porte pas d’INS qualifié',
    );
  if (headers.mes !== undefined) push(MSS_HEADERS.mes, headers.mes, 'Échange clos : le patient ne peut pas répondre');
  return lines;
}
