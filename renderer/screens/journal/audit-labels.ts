import { outboxKindLabel } from '../../../shared/domain/outbox.js';
import { environments, type CabinetEnvironment } from '../../../shared/domain/services.js';
import { identityStatusLabels, isIdentityStatus } from '../../../shared/domain/ins/index.js';
import { splitEnvironmentLabel } from '../../components/EnvironmentBadge.js';
import { attributeLabel, crLabel, documentLabel, insOidLabel } from '../../ins.js';

/**
 * French labels for the audit journal's action codes. Unknown codes are shown
 * as they are: a new action never disappears from the journal for lack of a
 * label.
 */
const auditActionLabels: Record<string, string> = {
  'app.start': 'Démarrage de Cabinet',
  'app.stop': 'Arrêt de Cabinet',
  'settings.change': 'Modification d’un réglage',
  'audit.verify': 'Vérification de l’intégrité du journal',
  'audit.ancrage': 'Point d’ancrage du journal signé par le praticien',
  'outbox.enqueue': 'Envoi mis en file d’attente',
  'outbox.retry': 'Nouvelle tentative d’envoi demandée',
  'outbox.cancel': 'Envoi annulé',
  'outbox.recovered': 'Envois repartis automatiquement',
  'paper.print': 'Documents imprimés pour le patient',
  'paper.handover': 'Remis sur papier (main propre ou courrier)',
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
  'patient.medecin_traitant': 'Médecin traitant enregistré ou retiré',
  'session.login': 'Connexion',
  'session.login_failed': 'Connexion refusée',
  'session.lock': 'Session verrouillée',
  'session.unlock': 'Session déverrouillée',
  'session.unlock_failed': 'Déverrouillage refusé',
  'session.logout': 'Déconnexion',
  'cda.build': 'Document CDA préparé',
  'dmp.status': 'Consultation de l’état du DMP',
  'dmp.authorization': 'Autorisation d’accès au DMP ajoutée',
  'dmp.bris_de_glace': 'Accès au DMP en urgence (bris de glace)',
  'dmp.centre_15': 'Accès au DMP par le centre de régulation (centre 15)',
  'dmp.list': 'Consultation de la liste des documents du DMP',
  'dmp.read': 'Lecture d’un document du DMP',
  'dmp.feed': 'Document préparé pour le DMP',
  'dmp.replace': 'Remplacement d’un document du DMP préparé',
  'dmp.feed_sent': 'Document déposé dans le DMP',
  'dmp.feed_failed': 'Dépôt dans le DMP en échec',
  'dmp.visibility': 'Visibilité d’un document du DMP modifiée',
  'dmp.delete': 'Document supprimé du DMP',
  'dmp.delete_refused': 'Suppression d’un document du DMP refusée',
  'dmp.archive': 'Document du DMP archivé',
  'dmp.unarchive': 'Document du DMP désarchivé',
  'mss.sync': 'Relève du courrier MSSanté',
  'mss.list': 'Consultation d’un dossier de messagerie',
  'mss.search': 'Recherche dans la messagerie',
  'mss.read': 'Lecture d’un message MSSanté',
  'mss.attachment': 'Ouverture d’une pièce jointe',
  'mss.document_read': 'Lecture d’un document de santé reçu',
  'mss.import_document': 'Document reçu importé dans le dossier du patient',
  'mss.mdn': 'Accusé de lecture envoyé',
  'mss.mdn_refuse': 'Accusé de lecture refusé',
  'mss.mark_read': 'Message marqué lu ou non lu',
  'mss.send': 'Message MSSanté mis en file d’envoi',
};

export function auditActionLabel(action: string): string {
  return auditActionLabels[action] ?? action;
}

/** Who did it: the services record "systeme" until a practitioner logs in. */
const auditActorLabels: Record<string, string> = {
  systeme: 'Cabinet (système)',
};

export function auditActorLabel(actor: string): string {
  return auditActorLabels[actor] ?? actor;
}

/** Names of the detail fields the services record, in French (and in this display order). */
const auditDetailLabels: Record<string, string> = {
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
  renseigne: 'renseigné',
  oid: 'OID',
  longueur: 'caractères saisis',
  resultats: 'résultats',
  source: 'moyen de connexion',
  description: 'détail',
  raison: 'raison',
  dossier: 'dossier',
  debut: 'à partir du rang',
  nombre: 'messages affichés',
  ajoutes: 'ajoutés',
  modifies: 'modifiés',
  supprimes: 'supprimés',
  accuses: 'accusés reçus',
  ms: 'durée (ms)',
  documents: 'documents',
  patients: 'patients',
  type: 'type',
  taille: 'taille (octets)',
  octets: 'taille (octets)',
  document: 'document',
  a: 'destinataire',
  automatique: 'automatique',
  lu: 'lu',
  messageId: 'identifiant du message',
  destinataires: 'destinataires',
  patient: 'patient concerné',
  accuseLecture: 'accusé de lecture demandé',
  fin: 'fin de la conversation',
  autorisation: 'autorisation',
  existe: 'DMP existant',
  hors_ligne: 'hors ligne',
  consentement: 'consentement du patient',
  mois: 'mois',
  lots: 'lots',
  nouveaux: 'nouveaux documents',
  uniqueId: 'identifiant du document',
  cache: 'lu sur ce poste',
  masquePs: 'masqué aux professionnels',
  remplace: 'remplace',
  erreur: 'erreur',
  resultat: 'résultat',
  lot: 'lot',
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
  if (key === 'mode' && typeof value === 'string')
    return value === 'carte_vitale' ? 'carte Vitale' : value === 'traits' ? 'traits saisis' : value;
  if (key === 'attributs' && Array.isArray(value))
    return value.length ? value.map((code) => attributeLabel(String(code))).join(', ') : 'aucun';
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
