/**
 * TLS client material of a test mailbox (for tests and the sandbox): the
 * card's authentication key and certificate, read from its .p12.
 */
import fs from 'node:fs';
import { CabinetError } from '../../shared/contract/outcome.js';
import { readPkcs12 } from '../pki/pkcs12.js';
import type { OperatorMailbox } from './mailboxes.js';

export interface MailboxTls {
  key: string;
  /** Authentication certificate, then its issuing chain when the PKI has one. */
  cert: string;
}

/** The authentication key and certificate (exact PEM of the PKI) of a test card. */
export function mailboxTls(mailbox: Pick<OperatorMailbox, 'p12' | 'password' | 'certPem'>): MailboxTls {
  const content = readPkcs12(fs.readFileSync(mailbox.p12), mailbox.password);
  const key = content.keys.find((k) => k.friendlyName === 'authentification') ?? content.keys[0];
  if (!key) throw new CabinetError('INVALID_REQUEST', `Aucune clé dans ${mailbox.p12}.`);
  return { key: key.keyPem, cert: fs.readFileSync(mailbox.certPem, 'utf8') };
}
