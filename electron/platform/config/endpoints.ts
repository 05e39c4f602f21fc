/**
 * National service endpoints per environment. Only addresses verified in
 * public material are filled in (see ../shared/reference/notes); the others
 * are null — "non configuré" — until the managed settings file provides them
 * (the DMP and MSSanté operator addresses are given to each editor at
 * homologation and are not public).
 */
import type { CabinetEnvironment, NationalService } from '../../../shared/domain/services.js';

/** Loopback ports of the local sandboxes (`cabinet sandbox start …`). */
export const sandboxPorts = {
  insi: 19443,
  dmp: 19444,
  annuaire: 19445,
  psc: 19446,
  mssImap: 19993,
  mssSmtp: 19587,
} as const satisfies Record<NationalService, number>;

export const defaultEndpoints: Record<CabinetEnvironment, Record<NationalService, string | null>> = {
  sandbox: {
    insi: `https://localhost:${sandboxPorts.insi}/lps`,
    dmp: `https://localhost:${sandboxPorts.dmp}/dmp`,
    mssImap: `imaps://localhost:${sandboxPorts.mssImap}`,
    mssSmtp: `smtp://localhost:${sandboxPorts.mssSmtp}`,
    annuaire: `https://localhost:${sandboxPorts.annuaire}/fhir/v2`,
    psc: `https://localhost:${sandboxPorts.psc}/auth/realms/esante-wallet`,
  },
  qualification: {
    // CNAM qualification, mutual TLS with a software certificate (notes ins-cps §2.1).
    insi: 'https://qualiflps-services-ps-tlsm.ameli.fr:443/lps',
    dmp: null,
    mssImap: null,
    mssSmtp: null,
    annuaire: null,
    psc: 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet',
  },
  production: {
    // The production INSi host is not published; it comes from the managed file.
    insi: null,
    dmp: null,
    mssImap: null,
    mssSmtp: null,
    annuaire: 'https://gateway.api.esante.gouv.fr/fhir/v2',
    psc: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet',
  },
};

/** URL schemes each service accepts. TLS is mandatory except SMTP/IMAP with STARTTLS. */
export const allowedSchemes: Record<NationalService, readonly string[]> = {
  insi: ['https:'],
  dmp: ['https:'],
  annuaire: ['https:'],
  psc: ['https:'],
  mssImap: ['imaps:', 'imap:'],
  mssSmtp: ['smtps:', 'smtp:'],
};
