/**
 * The `XDM/1.0/DDM+` subject convention (Ref #2 ECO.2.1.3, notes mss.md
 * §2.1): `XDM/1.0/DDM+<libellé> <NOM> <prénom> <JJ/MM/AAAA>`, the libellé
 * being the CDA code's displayName (≤ 40 characters) or « N documents ». The
 * prefix is hidden in the UI (SC.MSS/UX.28): use {@link displaySubject}.
 * An integration-error MDN prefixes `[KO Intégration système !][code] `.
 */
import { CabinetError } from '../../contract/outcome.js';

export const XDM_SUBJECT_PREFIX = 'XDM/1.0/DDM+';
export const XDM_LIBELLE_MAX = 40;

export interface XdmSubjectInput {
  /** One libellé per document (the CDA code displayName). Several → « N documents ». */
  libelles: readonly string[];
  nom: string;
  prenom: string;
  /** YYYY-MM-DD (`00` accepted for an unknown month or day, as in DateLunaire). */
  dateNaissance: string;
}

const clean = (s: string) =>
  s
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The subject of a mail carrying IHE_XDM documents. Throws INVALID_REQUEST (French) on a missing part. */
export function buildXdmSubject(input: XdmSubjectInput): string {
  const libelles = input.libelles.map(clean).filter((l) => l !== '');
  if (libelles.length === 0) throw new CabinetError('INVALID_REQUEST', 'Objet XDM impossible : aucun libellé de document.');
  const libelle =
    libelles.length === 1 ? [...(libelles[0] ?? '')].slice(0, XDM_LIBELLE_MAX).join('').trim() : `${libelles.length} documents`;
  const nom = clean(input.nom).toUpperCase();
  const prenom = clean(input.prenom);
  if (nom === '' || prenom === '') throw new CabinetError('INVALID_REQUEST', 'Objet XDM impossible : nom et prénom du patient requis.');
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.dateNaissance.trim());
  if (!date)
    throw new CabinetError(
      'INVALID_REQUEST',
      `Objet XDM impossible : date de naissance invalide « ${input.dateNaissance} » (AAAA-MM-JJ attendu).`,
    );
  return `${XDM_SUBJECT_PREFIX}${libelle} ${nom} ${prenom} ${date[3]}/${date[2]}/${date[1]}`;
}

export interface ParsedXdmSubject {
  /** Whether the subject follows the convention (the prefix was found). */
  xdm: boolean;
  /** The subject as the UI shows it: prefix removed, reply/forward and KO markers kept. */
  affichage: string;
  /** `Re:`, `TR:`… before the prefix, as written. */
  prefixeReponse?: string;
  /** `[KO Intégration système !][902]` → `902`. */
  erreurIntegration?: string;
  /** Everything between the prefix and the birth date: libellé, NOM and prénom (not separable with certainty). */
  libelleEtPatient?: string;
  /** YYYY-MM-DD, when the subject ends with JJ/MM/AAAA. */
  dateNaissance?: string;
}

const REPLY = /^((?:\s*(?:re|tr|fwd?|réf)\s*:\s*)+)/i;
const KO = /^\s*\[KO Int[ée]gration syst[eè]me\s*!?\]\s*\[([^\]]{0,20})\]\s*/i;

/** Recognises the convention; never throws. */
export function parseXdmSubject(subject: string | undefined | null): ParsedXdmSubject {
  let rest = clean(subject ?? '');
  const out: ParsedXdmSubject = { xdm: false, affichage: rest };
  const reply = REPLY.exec(rest);
  let lead = '';
  if (reply) {
    lead = reply[1] ?? '';
    rest = rest.slice(lead.length);
  }
  const ko = KO.exec(rest);
  let koText = '';
  if (ko) {
    out.erreurIntegration = (ko[1] ?? '').trim();
    koText = ko[0];
    rest = rest.slice(ko[0].length);
  }
  const at = rest.toUpperCase().indexOf(XDM_SUBJECT_PREFIX);
  if (at !== 0) return out;
  out.xdm = true;
  if (lead !== '') out.prefixeReponse = lead.trim();
  const body = rest.slice(XDM_SUBJECT_PREFIX.length).trim();
  out.affichage = `${lead}${koText}${body}`.trim();
  const date = /\s*(\d{2})\/(\d{2})\/(\d{4})$/.exec(body);
  if (date) {
    out.dateNaissance = `${date[3]}-${date[2]}-${date[1]}`;
    out.libelleEtPatient = body.slice(0, date.index).trim();
  } else {
    out.libelleEtPatient = body;
  }
  return out;
}

/** The subject shown to the user: the `XDM/1.0/DDM+` prefix hidden (SC.MSS/UX.28). */
export function displaySubject(subject: string | undefined | null): string {
  return parseXdmSubject(subject).affichage;
}
