/** The national services Cabinet talks to, named once for every layer. */
export const nationalServices = ['insi', 'dmp', 'mssImap', 'mssSmtp', 'annuaire', 'psc'] as const;
export type NationalService = (typeof nationalServices)[number];

export const serviceLabels: Record<NationalService, string> = {
  insi: 'INSi',
  dmp: 'DMP',
  mssImap: 'MSSanté (réception)',
  mssSmtp: 'MSSanté (envoi)',
  annuaire: 'Annuaire Santé',
  psc: 'Pro Santé Connect',
};

/** Suffix of the environment variable overriding each endpoint: CABINET_<suffix>_URL. */
export const serviceEnvNames: Record<NationalService, string> = {
  insi: 'INSI',
  dmp: 'DMP',
  mssImap: 'MSS_IMAP',
  mssSmtp: 'MSS_SMTP',
  annuaire: 'ANNUAIRE',
  psc: 'PSC',
};

export const environments = ['sandbox', 'qualification', 'production'] as const;
export type CabinetEnvironment = (typeof environments)[number];

export const environmentLabels: Record<CabinetEnvironment, string> = {
  sandbox: 'Bac à sable (services simulés en local)',
  qualification: 'Qualification (services de test nationaux)',
  production: 'Production',
};

export type ServiceState = 'connecte' | 'indisponible' | 'non_configure';

export const serviceStateLabels: Record<ServiceState, string> = {
  connecte: 'connecté',
  indisponible: 'indisponible',
  non_configure: 'non configuré',
};
