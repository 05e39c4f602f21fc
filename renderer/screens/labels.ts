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
};

export function auditActionLabel(action: string): string {
  return auditActionLabels[action] ?? action;
}
