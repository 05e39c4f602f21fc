/**
 * The DMP panel's words and small rules, in one pure module (tested in
 * `dmp-labels.test.ts`): what the status means and what to do next, the
 * cache age line, visibility and availability labels, the document types
 * (JDV_J07) and the checks of the feed form.
 */
import { TYPE_CODES } from '../../../shared/domain/cda/index.js';
import { accessReasonProblem, MAX_PDF_BYTES } from '../../../shared/domain/limits.js';
import { isCivilDate } from '../../../shared/domain/civil-date.js';
import { formatInstantIn, practiceToday } from '../../format.js';

export type Authorization = 'VALIDE' | 'EXPIRE' | 'INTERDIT' | 'NON_EXISTE';
export type Availability = 'Approved' | 'Deprecated' | 'Archived' | 'Deleted';

export interface StatusLike {
  exists: boolean;
  closed: boolean;
  espaceSanteActive: boolean;
  authorization: Authorization;
  medecinTraitant: boolean;
  authorizationEnd: string | null;
}

export interface VisibilityLike {
  masquePs: boolean;
  invisiblePatient: boolean;
  invisibleRepresentants: boolean;
}

/** What the status block says and which actions it offers. */
export interface AccessAdvice {
  tone: 'success' | 'warning' | 'error' | 'info';
  title: string;
  /** What to do next, in one or two sentences. */
  todo: string;
  /** « Ajouter l’autorisation » (after the patient's consent). */
  canAuthorize: boolean;
  /** Bris de glace / centre 15 offered (an emergency without authorisation). */
  canBreakGlass: boolean;
  /** The list and the viewer can be used. */
  canConsult: boolean;
  /** « Envoyer au DMP » can be used (an authorisation is not needed to feed). */
  canFeed: boolean;
}

/** 2027-01-01T… → 01/01/2027. */
export function dayLabel(iso: string | null | undefined): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '—';
}

export function accessAdvice(status: StatusLike, breakingGlass: boolean): AccessAdvice {
  if (!status.exists) {
    return {
      tone: 'info',
      title: 'Ce patient n’a pas de DMP',
      todo: 'Le DMP (Mon espace santé) est créé par l’Assurance Maladie. Le patient peut l’activer sur monespacesante.fr ; rien n’est à faire ici.',
      canAuthorize: false,
      canBreakGlass: false,
      canConsult: false,
      canFeed: false,
    };
  }
  if (status.closed) {
    return {
      tone: 'warning',
      title: 'DMP fermé',
      todo: 'Le DMP de ce patient est fermé (par le patient ou après son décès) : il ne peut être ni consulté ni alimenté.',
      canAuthorize: false,
      canBreakGlass: false,
      canConsult: false,
      canFeed: false,
    };
  }
  switch (status.authorization) {
    case 'VALIDE':
      return {
        tone: 'success',
        title: status.authorizationEnd ? `Accès autorisé jusqu’au ${dayLabel(status.authorizationEnd)}` : 'Accès autorisé',
        todo: status.medecinTraitant ? 'Vous êtes son médecin traitant DMP.' : 'Vous pouvez consulter et alimenter ce DMP.',
        canAuthorize: false,
        canBreakGlass: false,
        canConsult: true,
        canFeed: true,
      };
    case 'EXPIRE':
    case 'NON_EXISTE':
      return {
        tone: breakingGlass ? 'error' : 'warning',
        title: status.authorization === 'EXPIRE' ? 'Autorisation d’accès expirée' : 'Pas d’autorisation d’accès',
        todo: breakingGlass
          ? 'Vous consultez ce DMP en urgence. Dès que le patient peut donner son accord, ajoutez l’autorisation pour la suite de son suivi.'
          : 'Demandez au patient s’il accepte que vous consultiez son DMP, puis ajoutez l’autorisation. En urgence, sans pouvoir le demander : bris de glace.',
        canAuthorize: true,
        canBreakGlass: !breakingGlass,
        canConsult: breakingGlass,
        canFeed: true,
      };
    case 'INTERDIT':
      return {
        tone: 'error',
        title: 'Accès interdit par le patient',
        todo: 'Le patient vous a bloqué(e) sur son DMP : ni consultation, ni bris de glace. Vous pouvez encore lui adresser des documents par messagerie sécurisée.',
        canAuthorize: false,
        canBreakGlass: false,
        canConsult: false,
        canFeed: false,
      };
  }
}

/** « Données du 23/11 à 10:42 — hors ligne » (the practice's clock), or « Données du 23/11 à 10:42 ». */
export function cacheAgeLine(fetchedAt: string | null, offline: boolean): string | null {
  if (!fetchedAt) return offline ? 'Hors ligne : aucune donnée enregistrée sur ce poste.' : null;
  if (Number.isNaN(new Date(fetchedAt).getTime())) return null;
  const text = `Données du ${formatInstantIn(fetchedAt, 'dayMonth')} à ${formatInstantIn(fetchedAt, 'time')}`;
  return offline ? `${text} — hors ligne` : text;
}

export const availabilityLabels: Record<Availability, string> = {
  Approved: 'Disponible',
  Archived: 'Archivé',
  Deprecated: 'Remplacé',
  Deleted: 'Supprimé',
};

/** The chips of a document's visibility; none when it is visible to everyone authorised. */
export function visibilityChips(v: VisibilityLike): string[] {
  const chips: string[] = [];
  if (v.masquePs) chips.push('Masqué aux professionnels');
  if (v.invisiblePatient) chips.push('Masqué au patient');
  if (v.invisibleRepresentants) chips.push('Masqué aux représentants légaux');
  return chips;
}

export const visibilityFilterLabels = {
  toutes: 'Toutes',
  normales: 'Visibles par tous',
  masquees_ps: 'Masqués aux professionnels',
  invisibles_patient: 'Masqués au patient',
  invisibles_representants: 'Masqués aux représentants légaux',
} as const;
export type VisibilityFilter = keyof typeof visibilityFilterLabels;

export const feedStateLabels: Record<string, { label: string; tone: 'info' | 'success' | 'error' }> = {
  en_attente: { label: 'En attente d’envoi', tone: 'info' },
  en_cours: { label: 'Envoi en cours', tone: 'info' },
  envoye: { label: 'Envoyé au DMP', tone: 'success' },
  echec: { label: 'Échec de l’envoi', tone: 'error' },
};

/** The J07 document types Cabinet can feed, by label. */
export const documentTypes: { code: string; label: string }[] = Object.entries(TYPE_CODES)
  .map(([code, value]) => ({ code, label: value.displayName }))
  .sort((a, b) => a.label.localeCompare(b.label, 'fr'));

export function typeLabel(code: string, fallback?: string): string {
  return (TYPE_CODES as Record<string, { displayName: string }>)[code]?.displayName ?? fallback ?? code;
}

/** The date a GP thinks of: the act (serviceStart), else the document's creation, else its submission. */
export function documentDate(entry: {
  serviceStart: string | null;
  creationTime: string | null;
  submissionTime: string | null;
}): string | null {
  return entry.serviceStart ?? entry.creationTime ?? entry.submissionTime;
}

export function authorsLine(authors: { name: string; specialty: string | null; institution: string | null }[]): string {
  if (authors.length === 0) return 'Auteur non renseigné';
  return authors.map((a) => (a.institution ? `${a.name} (${a.institution})` : a.name)).join(', ');
}

/** The reason of a bris de glace: the services' rule (shared/domain/limits.ts). */
export function reasonProblem(reason: string): string | null {
  return accessReasonProblem(reason, 'bris_de_glace');
}

/** Largest PDF accepted by the services (20 Mio, shared/domain/limits.ts). */
export { MAX_PDF_BYTES };

/** Why a chosen file cannot be sent, in French; null when it can. */
export function pdfProblem(file: { name: string; size: number; type: string }, head: Uint8Array): string | null {
  if (file.size === 0) return 'Ce fichier est vide.';
  if (file.size > MAX_PDF_BYTES) return `Ce fichier est trop volumineux (${sizeLabel(file.size)} ; 20 Mo au plus).`;
  const isPdf = head.length >= 5 && String.fromCharCode(...head.subarray(0, 5)) === '%PDF-';
  if (!isPdf) return 'Ce fichier n’est pas un PDF. Enregistrez le document au format PDF, puis déposez-le ici.';
  return null;
}

export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} octets`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`;
}

/** Title proposed from the file name: « compte-rendu_2025-03.pdf » → « compte-rendu 2025-03 ». */
export function titleFromFileName(name: string): string {
  return name
    .replace(/\.pdf$/i, '')
    .replace(/[_]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 250);
}

/** Date of the document: AAAA-MM-JJ, not in the future (the practice's today). */
export function dateProblem(value: string, today: string = practiceToday()): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'Indiquez la date du document.';
  if (!isCivilDate(value)) return 'Cette date n’existe pas.';
  if (value > today) return 'La date du document ne peut pas être dans le futur.';
  if (value < '1900-01-01') return 'Cette date est trop ancienne.';
  return null;
}

/** Bytes → base64 without building one huge string argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/**
 * The services themselves are out of reach (the bridge's own failures), as
 * opposed to the DMP being unreachable or refusing, which the services also
 * answer as `UNAVAILABLE` but which must not raise the shell's « Les services
 * de Cabinet ne répondent pas » banner: the panel says it in place.
 */
export function isCabinetOutage(failure: { code: string; message: string }): boolean {
  return failure.code === 'UNAUTHORIZED' || (failure.code === 'UNAVAILABLE' && /services de Cabinet/.test(failure.message));
}
