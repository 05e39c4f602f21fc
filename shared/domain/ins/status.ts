/**
 * The RNIV identity status of a patient record (notes ins-cps.md §1.2, FR Core
 * `FRCoreCodeSystemIdentityStatus`): four exclusive statuses, the crossing of
 * two independent criteria — traits retrieved from INSi, and a check against
 * a high-trust identity document.
 *
 * |               | no document check | document checked |
 * |---            |---                |---               |
 * | no INSi       | PROV              | VALI             |
 * | INSi          | RECUP             | QUAL             |
 *
 * Events and what they do (decisions marked « décision » are ours where the
 * notes are silent; see {@link transition}):
 *
 * | event \ from      | PROV         | VALI         | RECUP        | QUAL         |
 * |---                |---           |---           |---           |---           |
 * | `insi_ok`         | RECUP        | QUAL         | RECUP (=)    | QUAL (=)     |
 * | `piece_controlee` | VALI         | VALI (=)     | QUAL         | QUAL (=)     |
 * | `insi_perdu`      | refused      | refused      | PROV         | VALI         |
 * | `doute`           | PROV + DOUT  | PROV + DOUT  | PROV + DOUT  | PROV + DOUT  |
 * | `doute_levee`     | PROV − DOUT  | (refused: a doubtful identity is always PROV)        |
 *
 * While DOUT (douteuse) or FICT (fictive) is set, `insi_ok` and
 * `piece_controlee` are refused: such an identity stays PROV.
 */
import { CabinetError, type Failure } from '../../contract/outcome.js';

// ——— Statuses ———

export const identityStatuses = ['PROV', 'VALI', 'RECUP', 'QUAL'] as const;
export type IdentityStatus = (typeof identityStatuses)[number];

export const identityStatusLabels: Record<IdentityStatus, string> = {
  PROV: 'Identité provisoire',
  VALI: 'Identité validée',
  RECUP: 'Identité récupérée',
  QUAL: 'Identité qualifiée',
};

/** One sentence per status, for a tooltip or the patient screen. */
export const identityStatusHelp: Record<IdentityStatus, string> = {
  PROV: 'Identité saisie localement : ni récupérée auprès du téléservice INSi, ni contrôlée sur une pièce d’identité à haut niveau de confiance.',
  VALI: 'Identité contrôlée sur une pièce d’identité à haut niveau de confiance, mais pas récupérée auprès du téléservice INSi.',
  RECUP: 'Identité récupérée auprès du téléservice INSi, pas encore contrôlée sur une pièce d’identité à haut niveau de confiance.',
  QUAL: 'Identité récupérée auprès du téléservice INSi et contrôlée sur une pièce d’identité à haut niveau de confiance : l’INS peut être transmis.',
};

export function isIdentityStatus(value: string): value is IdentityStatus {
  return (identityStatuses as readonly string[]).includes(value);
}

export interface StatusCriteria {
  /** Traits retrieved from INSi and accepted. */
  insi: boolean;
  /** Checked against a high-trust identity document. */
  piece: boolean;
}

export function statusFromCriteria(c: StatusCriteria): IdentityStatus {
  if (c.insi) return c.piece ? 'QUAL' : 'RECUP';
  return c.piece ? 'VALI' : 'PROV';
}

export function criteriaOf(status: IdentityStatus): StatusCriteria {
  return { insi: status === 'RECUP' || status === 'QUAL', piece: status === 'VALI' || status === 'QUAL' };
}

/** `Identité récupérée` → `identité récupérée`, for the middle of a sentence. */
function lower(status: IdentityStatus): string {
  const label = identityStatusLabels[status];
  return label.charAt(0).toLowerCase() + label.slice(1);
}

// ——— Identity attributes ———

/** Attributes of an identity (FR Core `FRCoreCodeSystemIdentityStatusComment`), those named in the notes. */
export const identityAttributes = ['DOUT', 'FICT', 'HOMD', 'HOMA', 'DOUB', 'DPOT', 'DOUA', 'COLP', 'COLV', 'DESA', 'USUR'] as const;
export type IdentityAttribute = (typeof identityAttributes)[number];

export const identityAttributeLabels: Record<IdentityAttribute, string> = {
  DOUT: 'Identité douteuse',
  FICT: 'Identité fictive',
  HOMD: 'Homonyme détecté',
  HOMA: 'Homonyme avéré',
  DOUB: 'Doublon',
  DPOT: 'Doublon potentiel',
  DOUA: 'Doublon avéré',
  COLP: 'Collision potentielle',
  COLV: 'Collision avérée',
  DESA: 'Identité désactivée',
  USUR: 'Identité usurpée',
};

/** Attributes that keep an identity PROV: it can be neither retrieved from INSi, nor validated, nor qualified. */
export const provisionalOnlyAttributes: readonly IdentityAttribute[] = ['DOUT', 'FICT'];

/**
 * Attributes under which the INS must not leave the app even if QUAL
 * (décision: the notes are silent): usurped identity, deactivated record,
 * proven collision of two people in one record — plus DOUT/FICT.
 */
export const shareBlockingAttributes: readonly IdentityAttribute[] = ['DOUT', 'FICT', 'USUR', 'DESA', 'COLV'];

/** `Une identité douteuse`, `Une identité douteuse et fictive`. */
function provisionalOnlyPhrase(blocking: readonly IdentityAttribute[]): string {
  return `Une identité ${blocking.map((a) => (a === 'DOUT' ? 'douteuse' : 'fictive')).join(' et ')}`;
}

export function isIdentityAttribute(value: string): value is IdentityAttribute {
  return (identityAttributes as readonly string[]).includes(value);
}

// ——— High-trust identity documents ———

export const highTrustDocuments = ['CN', 'PA', 'CS', 'eCN', 'IN', 'AV', 'LECV', 'AN', 'LEP', 'CC', 'ANCV'] as const;
export type HighTrustDocument = (typeof highTrustDocuments)[number];

export interface HighTrustDocumentInfo {
  label: string;
  /** The name the CLI takes (`--piece CNI`). */
  cli: string;
  /** RNIV 2024 §3.3.3 exceptions: accepted only in the situation described. */
  condition?: string;
}

export const highTrustDocumentInfo: Record<HighTrustDocument, HighTrustDocumentInfo> = {
  CN: { label: 'Carte nationale d’identité', cli: 'CNI' },
  PA: { label: 'Passeport', cli: 'PASSEPORT' },
  CS: { label: 'Titre de séjour', cli: 'TITRE_SEJOUR' },
  eCN: { label: 'Carte nationale d’identité électronique', cli: 'CNI_ELECTRONIQUE' },
  IN: { label: 'Identité Numérique La Poste', cli: 'IDENTITE_NUMERIQUE' },
  AV: { label: 'Application carte Vitale', cli: 'APPLI_CARTE_VITALE' },
  LECV: {
    label: 'Livret de famille accompagné de la carte Vitale avec photographie',
    cli: 'LIVRET_FAMILLE_CARTE_VITALE',
    condition: 'Résident admis directement en EHPAD, sans pièce d’identité à haut niveau de confiance.',
  },
  AN: {
    label: 'Extrait d’acte de naissance',
    cli: 'ACTE_NAISSANCE',
    condition:
      'Mineur sans pièce d’identité : avec la pièce à haut niveau de confiance d’un parent ou du tuteur (et la décision de justice).',
  },
  LEP: {
    label: 'Livret de famille des parents',
    cli: 'LIVRET_FAMILLE',
    condition:
      'Mineur sans pièce d’identité : avec la pièce à haut niveau de confiance d’un parent ou du tuteur (et la décision de justice).',
  },
  CC: {
    label: 'Document de circulation pour étranger mineur',
    cli: 'DOCUMENT_CIRCULATION',
    condition: 'Mineur étranger : document comportant une photographie.',
  },
  ANCV: {
    label: 'Extrait d’acte de naissance accompagné de la carte Vitale avec photographie',
    cli: 'ACTE_NAISSANCE_CARTE_VITALE',
    condition: 'Résident admis directement en EHPAD, sans pièce d’identité à haut niveau de confiance.',
  },
};

export const highTrustDocumentLabels: Record<HighTrustDocument, string> = Object.fromEntries(
  highTrustDocuments.map((code) => [code, highTrustDocumentInfo[code].label]),
) as Record<HighTrustDocument, string>;

/** CLI name → code (`CNI` → `CN`). */
export const highTrustDocumentByCliName: Readonly<Record<string, HighTrustDocument>> = Object.fromEntries(
  highTrustDocuments.map((code) => [highTrustDocumentInfo[code].cli, code]),
);

export type DocumentResult = { ok: true; value: HighTrustDocument } | (Failure & { code: 'INVALID_REQUEST' });

/**
 * Reads a document type: a code (`CN`, `eCN`, any case) or a CLI name (`CNI`,
 * `passeport`). The carte Vitale alone is refused by name: it is not a
 * high-trust document.
 */
export function parseHighTrustDocument(input: string): DocumentResult {
  const v = input.trim();
  const upper = v.toUpperCase().replace(/[\s-]+/g, '_');
  const byCode = highTrustDocuments.find((code) => code.toUpperCase() === upper);
  const found = byCode ?? highTrustDocumentByCliName[upper];
  if (found) return { ok: true, value: found };
  if (/^(CARTE_)?VITALE$/.test(upper)) {
    return {
      ok: false,
      code: 'INVALID_REQUEST',
      message:
        'La carte Vitale n’est pas une pièce d’identité à haut niveau de confiance : contrôlez une carte d’identité, un passeport ou un titre de séjour.',
      details: { field: 'piece', value: v },
    };
  }
  const names = highTrustDocuments.map((code) => highTrustDocumentInfo[code].cli).join(', ');
  return {
    ok: false,
    code: 'INVALID_REQUEST',
    message: `Pièce d’identité inconnue : « ${v} ». Pièces admises : ${names}.`,
    details: { field: 'piece', value: v },
  };
}

// ——— The machine ———

/** What the machine needs of a patient record (the patient store's `status` and `attributes`). */
export interface IdentityState {
  status: IdentityStatus;
  attributes: readonly string[];
}

export type IdentityEvent =
  /** INSi returned one identity and its traits were accepted (first lookup or re-verification). */
  | { type: 'insi_ok' }
  /** A high-trust document was checked against the traits. */
  | { type: 'piece_controlee'; piece: HighTrustDocument }
  /** Re-verification failed: INSi no longer returns this identity (CR 01/02, another INS, refused traits). */
  | { type: 'insi_perdu' }
  /** The identity becomes doubtful (DOUT). */
  | { type: 'doute' }
  /** The doubt is lifted (DOUT removed); the identity stays PROV until re-verified. */
  | { type: 'doute_levee' };

export interface Transition {
  identity: { status: IdentityStatus; attributes: IdentityAttribute[] };
  from: IdentityStatus;
  to: IdentityStatus;
  /** False when the event confirms the current status (e.g. a successful re-verification). */
  changed: boolean;
  /** French sentence for the patient's history and the audit log. */
  reason: string;
}

export type TransitionResult = { ok: true; value: Transition } | (Failure & { code: 'CONFLICT' | 'INVALID_REQUEST' });

function conflict(message: string, details: Record<string, unknown>): Failure & { code: 'CONFLICT' } {
  return { ok: false, code: 'CONFLICT', message, details };
}

/** Known attributes in canonical order, deduplicated; unknown ones are reported. */
function canonicalAttributes(attributes: readonly string[]): { known: IdentityAttribute[]; unknown: string[] } {
  const unknown = attributes.filter((a) => !isIdentityAttribute(a));
  const known = identityAttributes.filter((a) => attributes.includes(a));
  return { known, unknown: [...new Set(unknown)] };
}

function invalidAttributes(unknown: string[]): Failure & { code: 'INVALID_REQUEST' } {
  return {
    ok: false,
    code: 'INVALID_REQUEST',
    message: `Attribut d’identité inconnu : ${unknown.join(', ')}. Attributs possibles : ${identityAttributes.join(', ')}.`,
    details: { field: 'attributes', unknown },
  };
}

/**
 * Applies an event to an identity. Refusals (CONFLICT) say why in French;
 * the record is then unchanged. See the table at the top of this file.
 */
export function transition(identity: IdentityState, event: IdentityEvent): TransitionResult {
  const from = identity.status;
  if (!isIdentityStatus(from))
    return { ok: false, code: 'INVALID_REQUEST', message: `Statut d’identité inconnu : ${String(from)}.`, details: { field: 'status' } };
  const { known, unknown } = canonicalAttributes(identity.attributes);
  if (unknown.length > 0) return invalidAttributes(unknown);
  const details = { from, event: event.type };
  const blocking = known.filter((a) => provisionalOnlyAttributes.includes(a));
  const done = (to: IdentityStatus, attributes: IdentityAttribute[], reason: string): TransitionResult => ({
    ok: true,
    value: { identity: { status: to, attributes }, from, to, changed: to !== from || attributes.join() !== known.join(), reason },
  });

  switch (event.type) {
    case 'insi_ok':
    case 'piece_controlee': {
      if (blocking.length > 0) {
        const action = event.type === 'insi_ok' ? 'récupérée auprès du téléservice INSi' : 'validée par une pièce d’identité';
        const hint = blocking.includes('DOUT') ? ' Levez d’abord le doute.' : '';
        return conflict(`${provisionalOnlyPhrase(blocking)} reste provisoire : elle ne peut pas être ${action}.${hint}`, {
          ...details,
          attributes: blocking,
        });
      }
      if (event.type === 'piece_controlee') {
        const piece = parseHighTrustDocument(String(event.piece));
        if (!piece.ok) return piece;
        const c = criteriaOf(from);
        const to = statusFromCriteria({ ...c, piece: true });
        const label = highTrustDocumentInfo[piece.value].label;
        return done(
          to,
          known,
          c.piece
            ? `Nouveau contrôle d’identité (${label}) : ${lower(from)} inchangée.`
            : `${identityStatusLabels[to]} : pièce contrôlée (${label}).`,
        );
      }
      const c = criteriaOf(from);
      const to = statusFromCriteria({ ...c, insi: true });
      return done(
        to,
        known,
        c.insi
          ? `Vérification INSi confirmée : ${lower(from)} inchangée.`
          : `${identityStatusLabels[to]} : identité récupérée auprès du téléservice INSi.`,
      );
    }
    case 'insi_perdu': {
      const c = criteriaOf(from);
      if (!c.insi) return conflict(`Aucune INS n’a été récupérée pour cette identité (${lower(from)}) : il n’y a rien à retirer.`, details);
      const to = statusFromCriteria({ ...c, insi: false });
      return done(
        to,
        known,
        `${identityStatusLabels[to]} : la vérification auprès du téléservice INSi a échoué, l’INS ne peut plus être utilisé.`,
      );
    }
    case 'doute': {
      const attributes = canonicalAttributes([...known, 'DOUT']).known;
      return done(
        'PROV',
        attributes,
        from === 'PROV' && known.includes('DOUT')
          ? 'Identité déjà douteuse.'
          : `Identité provisoire : identité déclarée douteuse (auparavant ${lower(from)}).`,
      );
    }
    case 'doute_levee': {
      if (!known.includes('DOUT')) return conflict('Cette identité n’est pas douteuse : il n’y a pas de doute à lever.', details);
      return done(
        from,
        known.filter((a) => a !== 'DOUT'),
        `Doute levé : ${lower(from)} ; récupérez l’INS et contrôlez une pièce d’identité pour la qualifier.`,
      );
    }
  }
}

/**
 * Replaces the attributes of an identity (the « Attributs » editor). Unknown
 * codes: INVALID_REQUEST. Adding DOUT makes the identity PROV (as the `doute`
 * event); FICT is refused unless the identity is PROV (décision: a fictitious
 * identity cannot have been retrieved from INSi or checked on a document).
 */
export function setAttributes(identity: IdentityState, attributes: readonly string[]): TransitionResult {
  const from = identity.status;
  if (!isIdentityStatus(from))
    return { ok: false, code: 'INVALID_REQUEST', message: `Statut d’identité inconnu : ${String(from)}.`, details: { field: 'status' } };
  const next = canonicalAttributes(attributes);
  if (next.unknown.length > 0) return invalidAttributes(next.unknown);
  const before = canonicalAttributes(identity.attributes).known;
  if (next.known.includes('FICT') && from !== 'PROV') {
    return conflict(`Une ${lower(from)} ne peut pas être déclarée fictive.`, { from, attributes: next.known });
  }
  const to: IdentityStatus = next.known.includes('DOUT') && !before.includes('DOUT') ? 'PROV' : from;
  const added = next.known.filter((a) => !before.includes(a));
  const removed = before.filter((a) => !next.known.includes(a));
  const parts = [
    ...added.map((a) => `ajout : ${identityAttributeLabels[a].toLowerCase()}`),
    ...removed.map((a) => `retrait : ${identityAttributeLabels[a].toLowerCase()}`),
  ];
  const reason =
    parts.length === 0 ? 'Attributs inchangés.' : `Attributs modifiés (${parts.join(' ; ')})${to !== from ? ` : ${lower(to)}` : ''}.`;
  return {
    ok: true,
    value: { identity: { status: to, attributes: next.known }, from, to, changed: to !== from || parts.length > 0, reason },
  };
}

/**
 * Checks the invariants of a stored identity: known status and attributes,
 * DOUT and FICT only on a PROV identity. `null` when consistent.
 */
export function identityInconsistency(identity: IdentityState): string | null {
  if (!isIdentityStatus(identity.status)) return `Statut d’identité inconnu : ${String(identity.status)}.`;
  const { known, unknown } = canonicalAttributes(identity.attributes);
  if (unknown.length > 0) return `Attribut d’identité inconnu : ${unknown.join(', ')}.`;
  const blocking = known.filter((a) => provisionalOnlyAttributes.includes(a));
  if (blocking.length > 0 && identity.status !== 'PROV') {
    return `${provisionalOnlyPhrase(blocking)} ne peut être qu’une identité provisoire (statut actuel : ${lower(identity.status)}).`;
  }
  return null;
}

// ——— Sharing the INS ———

/**
 * Why the INS may not leave the app (DMP, MSSanté patient address, CDA,
 * VIHF), or `null` when it may: only for a qualified identity (notes §1.2),
 * and never under DOUT, FICT, USUR, DESA, COLV.
 */
export function insShareRefusal(identity: IdentityState): string | null {
  if (identity.status !== 'QUAL') {
    const current = isIdentityStatus(identity.status) ? lower(identity.status) : `inconnu (${String(identity.status)})`;
    return `L’INS ne peut être transmis que pour une identité qualifiée (statut actuel : ${current}).`;
  }
  const blocking = shareBlockingAttributes.filter((a) => identity.attributes.includes(a));
  if (blocking.length > 0) {
    return `L’INS ne peut pas être transmis : ${blocking.map((a) => `${identityAttributeLabels[a].toLowerCase()} (${a})`).join(', ')}.`;
  }
  return null;
}

export function canShareIns(identity: IdentityState): boolean {
  return insShareRefusal(identity) === null;
}

/** Throws CONFLICT with the French reason when the INS may not leave the app. */
export function assertInsShareable(identity: IdentityState): void {
  const refusal = insShareRefusal(identity);
  if (refusal !== null) throw new CabinetError('CONFLICT', refusal, { status: identity.status, attributes: [...identity.attributes] });
}

/** The INS when it may be shared, otherwise `null` (for views: the contract's `ins` field). */
export function insIfShareable<T>(identity: IdentityState, ins: T): T | null {
  return canShareIns(identity) ? ins : null;
}
