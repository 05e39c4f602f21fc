/**
 * Settings a practitioner may change (unless the managed file locks them).
 * Endpoints are not here: they come from the environment, the managed file
 * and CABINET_<SERVICE>_URL, never from the UI.
 */
import { z } from 'zod';
import { DEFAULT_PRACTICE_ZONE, practiceZoneIds } from './civil-date.js';

export const userSettingSchemas = {
  /** Minutes of inactivity before the session locks (issue: practitioner identity). */
  'session.inactivityMinutes': z.number().int().min(1).max(120),
  /** Desktop notification when new MSSanté mail arrives. */
  'mss.desktopNotifications': z.boolean(),
  /** The practitioner's MSSanté mailbox (the operator's address for this card); empty = CABINET_MSS_ADRESSE. */
  'mss.adresse': z
    .string()
    .max(254)
    .regex(/^(|[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+)$/),
  /** Days an outgoing action keeps being retried before it needs the user. */
  'outbox.retryDays': z.number().int().min(1).max(30),
  /** Hours without a read receipt (mail to a patient) or still queued (DMP) before « À remettre sur papier ». */
  'paper.delayHours': z
    .number()
    .int()
    .min(1)
    .max(24 * 30),
  /** Path of the CPS card's PKCS#11 module (Cryptolib CPS); empty = the usual location for this OS. */
  'identity.pkcs11Module': z.string().max(500),
  /** The practitioner's specialty (TRE_R38), put in the VIHF; the card does not carry it. */
  'identity.specialite': z.string().regex(/^(|[A-Z]{2}\d{2,3})$/),
  /** Structure identifier (e.g. the cabinet's), put in the VIHF. */
  'identity.structure': z.string().max(100),
  /** The practice's time zone: « today » and every calendar date (civil-date.ts); one of the offered zones. */
  'practice.timeZone': z.enum(practiceZoneIds),
} as const;

export type UserSettingKey = keyof typeof userSettingSchemas;
export type UserSettings = { [K in UserSettingKey]: z.infer<(typeof userSettingSchemas)[K]> };
export const userSettingKeys = Object.keys(userSettingSchemas) as UserSettingKey[];

export const userSettingDefaults: UserSettings = {
  'session.inactivityMinutes': 15,
  'mss.desktopNotifications': true,
  'mss.adresse': '',
  'outbox.retryDays': 7,
  'paper.delayHours': 72,
  'identity.pkcs11Module': '',
  'identity.specialite': '',
  'identity.structure': '',
  'practice.timeZone': DEFAULT_PRACTICE_ZONE,
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
  'mss.adresse': {
    label: 'Adresse de votre messagerie MSSanté',
    help: 'L’adresse de votre boîte aux lettres chez votre opérateur MSSanté (par exemple prenom.nom@medecin.mssante.fr). Vide : celle indiquée par l’installation.',
  },
  'outbox.retryDays': {
    label: 'Durée des nouvelles tentatives d’envoi (jours)',
    help: 'Pendant ce délai, un envoi en échec est retenté automatiquement avant de vous être signalé.',
  },
  'paper.delayHours': {
    label: 'Délai avant « À remettre sur papier » (heures)',
    help: 'Un message au patient sans accusé de lecture, ou un document encore en file vers le DMP, après ce délai est proposé à la remise sur papier.',
  },
  'identity.pkcs11Module': {
    label: 'Module de la carte CPS (PKCS#11)',
    help: 'Laissez vide pour utiliser l’emplacement habituel de la Cryptolib CPS sur ce système.',
  },
  'identity.specialite': {
    label: 'Spécialité (code ordinal, ex. SM26)',
    help: 'Transmise au DMP avec votre identité ; la carte CPS ne la contient pas.',
  },
  'identity.structure': {
    label: 'Identifiant de la structure',
    help: 'Identifiant du cabinet transmis au DMP avec votre identité.',
  },
  'practice.timeZone': {
    label: 'Fuseau horaire du cabinet',
    help: 'Décide de la date du jour : contrôles de pièce d’identité, date des documents, filtres et dates affichées. Outre-mer, choisissez votre territoire.',
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
