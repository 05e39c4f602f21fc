/**
 * Which test certificate opens which mailbox of the test operator (pure).
 *
 * Rule (our choice, documented in README.md): the operator trusts the card
 * authority of the test IGC-Santé; the **certificate's CN, the idNat_PS**
 * (`8` + RPPS or `0` + ADELI), is the login Dovecot reads from the
 * certificate (`ssl_cert_username_field = commonName`). Each card of the test
 * PKI has one personal (PER) mailbox `prenom.nom@<domain>`: the GP in the
 * cabinet's domain, the nurse in the hospital's, the revoked and expired
 * GPs in the cabinet's (their mailboxes exist, their certificates are refused),
 * and the card from a foreign authority in the hospital's (same: its
 * certificate is refused because its authority is not trusted).
 */
import type { PkiIdentity, PkiManifest } from '../pki/test-pki.js';

export const PRO_DOMAINS = ['cabinet.test-mssante.fr', 'hopital.test-mssante.fr'] as const;

export interface OperatorMailbox {
  /** `prenom.nom@domain`, lower case. */
  address: string;
  /** Test PKI identity id of the card (`medecin-martin`…). */
  identity: string;
  /** CN of the authentication certificate: what Dovecot reads as the login. */
  idNatPs: string;
  /** Absolute path of the card's .p12 (authentication + signature keys). */
  p12: string;
  password: string;
  /** PEM file of the authentication certificate. */
  certPem: string;
  /** True when the certificate is valid for the operator (not revoked, not expired, trusted authority). */
  opens: boolean;
  /** French: why it does not open (révoqué, expiré, autorité inconnue). */
  refusal?: string;
}

const DOMAIN_BY_ROLE: Partial<Record<PkiIdentity['role'], string>> = {
  medecin: PRO_DOMAINS[0],
  infirmier: PRO_DOMAINS[1],
  revoque: PRO_DOMAINS[0],
  expire: PRO_DOMAINS[0],
  etranger: PRO_DOMAINS[1],
};

/** `Marie`, `MARTIN` → `marie.martin` (accents dropped, anything but a-z0-9 becomes `-`). */
export function localPart(givenName: string, surname: string): string {
  const clean = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const out = `${clean(givenName)}.${clean(surname)}`;
  if (!/^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/.test(out)) throw new Error(`nom de boîte impossible : ${givenName} ${surname}`);
  return out;
}

/** The mailboxes of the test operator, from the test PKI's cards. */
export function mailboxesFromPki(pki: Pick<PkiManifest, 'identities' | 'dir'>, resolve: (relative: string) => string): OperatorMailbox[] {
  const out: OperatorMailbox[] = [];
  for (const card of pki.identities) {
    const domain = DOMAIN_BY_ROLE[card.role];
    if (!domain || !card.idNatPs || !card.givenName || !card.surname || !card.p12 || !card.certPem || !card.password) continue;
    const refusal = card.revoked
      ? 'certificat révoqué'
      : card.expired
        ? 'certificat expiré'
        : card.role === 'etranger'
          ? 'autorité de certification inconnue'
          : undefined;
    const mailbox: OperatorMailbox = {
      address: `${localPart(card.givenName, card.surname)}@${domain}`,
      identity: card.id,
      idNatPs: card.idNatPs,
      p12: resolve(card.p12),
      password: card.password,
      certPem: resolve(card.certPem),
      opens: refusal === undefined,
    };
    if (refusal) mailbox.refusal = refusal;
    out.push(mailbox);
  }
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.address) || seen.has(m.idNatPs)) throw new Error(`boîte ou idNat_PS en double : ${m.address}`);
    seen.add(m.address);
    seen.add(m.idNatPs);
  }
  return out;
}
