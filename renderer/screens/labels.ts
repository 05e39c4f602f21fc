import { outboxKindLabel } from '../../shared/domain/outbox.js';
import { environments, type CabinetEnvironment } from '../../shared/domain/services.js';
import { identityStatusLabels, isIdentityStatus } from '../../shared/domain/ins/index.js';
import { splitEnvironmentLabel } from '../components/EnvironmentBadge.js';
import { attributeLabel, crLabel, documentLabel, insOidLabel } from '../ins.js';

/**
 * French labels for the audit journal's action codes. Unknown codes are shown
 * as they are: a new action never disappears from the journal for lack of a
 * label.
 */
export const auditActionLabels: Record<string, string> = {
  'app.start': 'Démarrage de Cabinet',
  'app.stop': 'Arrêt de Cabinet',
  'settings.change': 'Modification d’un réglage',
  'audit.verify': 'Vérification de l’intégrité du journal',
  'outbox.enqueue': 'Envoi mis en file d’attente',
  'outbox.retry': 'Nouvelle tentative d’envoi demandée',
  'outbox.sent': 'Envoi réussi',
  'outbox.failed': 'Envoi en échec',
  'bridge.refused': 'Connexion refusée au pont local',
  'status.refresh': 'Vérification des services nationaux',
  'ins.lookup': 'Interrogation du téléservice INSi',
  'patient.search': 'Recherche de patients',
  'patient.read': 'Consultation d’une fiche patient',
  'patient.create': 'Création d’une identité provisoire',
  'patient.insi_accept': 'Identité INSi acceptée',
  'patient.document': 'Pièce d’identité contrôlée',
  'patient.attributes': 'Attributs d’identité modifiés',
  'patient.reverify': 'Vérification de l’INS auprès d’INSi',
};

export function auditActionLabel(action: string): string {
  return auditActionLabels[action] ?? action;
}

/** Who did it: the services record "systeme" until a practitioner logs in. */
export const auditActorLabels: Record<string, string> = {
  systeme: 'Cabinet (système)',
};

export function auditActorLabel(actor: string): string {
  return auditActorLabels[actor] ?? actor;
}

/** Names of the detail fields the services record, in French (and in this display order). */
export const auditDetailLabels: Record<string, string> = {
  avant: 'avant',
  apres: 'après',
  host: 'hôte',
  env: 'environnement',
  version: 'version',
  valid: 'chaîne intacte',
  count: 'entrées',
  brokenAt: 'rompue à l’entrée',
  kind: 'type',
  origine: 'origine',
  mode: 'mode',
  cr: 'réponse INSi',
  essais: 'interrogations',
  statut: 'statut',
  piece: 'pièce',
  attributs: 'attributs',
  identique: 'INS confirmé',
  oid: 'OID',
  longueur: 'caractères saisis',
  resultats: 'résultats',
};

export function auditDetailLabel(key: string): string {
  return auditDetailLabels[key] ?? key;
}

/** Known fields first, in a reading order ("avant" before "après"), then the others. */
export function auditDetailKeys(details: Record<string, unknown>): string[] {
  const known = Object.keys(auditDetailLabels);
  const rank = (key: string) => (known.includes(key) ? known.indexOf(key) : known.length);
  return Object.keys(details).sort((a, b) => rank(a) - rank(b));
}

/** A detail value for display: booleans in French, outbox kinds by their label. */
export function auditDetailValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (key === 'kind' && typeof value === 'string') return outboxKindLabel(value);
  if (key === 'statut' && typeof value === 'string' && isIdentityStatus(value)) return identityStatusLabels[value];
  if (key === 'cr' && typeof value === 'string') return `${value} (${crLabel(value)})`;
  if (key === 'piece' && typeof value === 'string') return documentLabel(value);
  if (key === 'oid' && typeof value === 'string') return insOidLabel(value);
  if (key === 'mode' && typeof value === 'string') return value === 'carte_vitale' ? 'carte Vitale' : value === 'traits' ? 'traits saisis' : value;
  if (key === 'attributs' && Array.isArray(value)) return value.length ? value.map((code) => attributeLabel(String(code))).join(', ') : 'aucun';
  if (key === 'env' && typeof value === 'string' && (environments as readonly string[]).includes(value)) {
    return splitEnvironmentLabel(value as CabinetEnvironment)[0];
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
