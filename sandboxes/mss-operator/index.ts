/** The MSSanté test operator (real Dovecot + Postfix + the Mon espace santé stand-in). See README.md. */
export { startMssOperator, mailServersAvailable, type MssOperator, type StartMssOperatorOptions, type OperatorPorts } from './operator.js';
export { DEFAULT_PORTS } from './config.js';
export { PRO_DOMAINS, type OperatorMailbox } from './mailboxes.js';
export { mailboxTls, type MailboxTls } from './credentials.js';
export { freePorts } from './processes.js';
export type { PatientReply } from './patient-standin.js';
