/**
 * Settings a practitioner may change (unless the managed file locks them).
 * Endpoints are not here: they come from the environment, the managed file
 * and CABINET_<SERVICE>_URL, never from the UI.
 */
import { z } from 'zod';

export const userSettingSchemas = {
  /** Minutes of inactivity before the session locks (issue: practitioner identity). */
  'session.inactivityMinutes': z.number().int().min(1).max(120),
  /** Desktop notification when new MSSanté mail arrives. */
  'mss.desktopNotifications': z.boolean(),
  /** Days an outgoing action keeps being retried before it needs the user. */
  'outbox.retryDays': z.number().int().min(1).max(30),
} as const;

export type UserSettingKey = keyof typeof userSettingSchemas;
export type UserSettings = { [K in UserSettingKey]: z.infer<(typeof userSettingSchemas)[K]> };
export const userSettingKeys = Object.keys(userSettingSchemas) as UserSettingKey[];

export const userSettingDefaults: UserSettings = {
  'session.inactivityMinutes': 15,
  'mss.desktopNotifications': true,
  'outbox.retryDays': 7,
};

export const userSettingLabels: Record<UserSettingKey, { label: string; help: string }> = {
  'session.inactivityMinutes': {
    label: 'Verrouillage après inactivité (minutes)',
    help: 'La session se verrouille après ce délai sans activité ; le code PIN est redemandé.',
  },
  'mss.desktopNotifications': {
    label: 'Notification à l’arrivée d’un message MSSanté',
    help: 'Affiche une notification du système pour chaque nouveau message sécurisé.',
  },
  'outbox.retryDays': {
    label: 'Durée des nouvelles tentatives d’envoi (jours)',
    help: 'Pendant ce délai, un envoi en échec est retenté automatiquement avant de vous être signalé.',
  },
};

/** Where a setting's value comes from, strongest last. */
export type SettingSource = 'defaut' | 'utilisateur' | 'gere' | 'variable';
export const settingSourceLabels: Record<SettingSource, string> = {
  defaut: 'valeur par défaut',
  utilisateur: 'choisi dans Réglages',
  gere: 'imposé par l’administrateur',
  variable: 'variable d’environnement',
};
