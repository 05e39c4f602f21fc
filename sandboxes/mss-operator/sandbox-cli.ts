/**
 * `cabinet sandbox start mss`: the test operator for a person at the
 * keyboard. Its folder is `<tmp>/cabinet-mss-<uid>` (the data folder is
 * 0700, closed to Postfix's and Dovecot's users); the Mon espace santé
 * stand-in activates the INSi sandbox's CNAM test identities (those whose
 * key is valid) and any `--patient` given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIns } from '../../shared/domain/ins/matricule.js';
import { cnamIdentities, deVinciTwins } from '../insi/identities.js';
import { defaultEndpoints } from '../../electron/platform/config/endpoints.js';
import { DEFAULT_PORTS } from './config.js';
import { startMssOperator } from './operator.js';

/** INS (matricule + key) of the INSi sandbox's recorded test identities whose key checks out. */
export function sandboxPatientsIns(): string[] {
  const out = new Set<string>();
  for (const person of [...cnamIdentities, ...deVinciTwins]) {
    const parsed = parseIns({ matricule: person.active.matricule, cle: person.active.cle });
    if (parsed.ok) out.add(parsed.value.valeur);
  }
  return [...out];
}

/** Submission port for Pro Santé Connect tokens in the sandbox (next to 19587, the certificate one). */
export const SANDBOX_TOKEN_SUBMISSION_PORT = 19588;

export async function startMssSandbox(options: {
  pkiDir: string;
  imapsPort?: number;
  smtpPort?: number;
  patients?: string[];
  dir?: string;
  pscUrl?: string | null;
  tokenSmtpPort?: number;
}): Promise<{ url: string; lines: string[]; close(): Promise<void> }> {
  const dir = options.dir ?? path.join(os.tmpdir(), `cabinet-mss-${typeof process.getuid === 'function' ? process.getuid() : 0}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  fs.chmodSync(dir, 0o711);
  const pscUrl = options.pscUrl === undefined ? defaultEndpoints.sandbox.psc : options.pscUrl;
  const patients = [...new Set([...sandboxPatientsIns(), ...(options.patients ?? [])])];
  const op = await startMssOperator({
    dir,
    pkiDir: options.pkiDir,
    ports: { imaps: options.imapsPort ?? DEFAULT_PORTS.imaps, submission: options.smtpPort ?? DEFAULT_PORTS.submission },
    patients: patients.map((ins) => ({ ins })),
    // Token logins are checked at the PSC sandbox (`cabinet sandbox start psc`), when it runs.
    ...(pscUrl ? { psc: { url: pscUrl, submissionPort: options.tokenSmtpPort ?? SANDBOX_TOKEN_SUBMISSION_PORT } } : {}),
  });
  const url = `imaps://${op.imap.host}:${op.imap.port}`;
  const lines = [
    `URL=${url}`,
    `IMAP_STARTTLS=imap://${op.imapStarttls.host}:${op.imapStarttls.port}`,
    `SMTP=smtp://${op.smtp.host}:${op.smtp.port} (STARTTLS, certificat client exigé)`,
    ...(op.smtpToken
      ? [
          `SMTP_JETON=smtp://${op.smtpToken.host}:${op.smtpToken.port} (STARTTLS, jeton Pro Santé Connect en XOAUTH2, vérifié auprès de ${pscUrl})`,
        ]
      : []),
    `Opérateur MSSanté de test démarré en ${op.startedInMs} ms dans ${op.dir} (nom TLS du serveur : ${op.servername}).`,
    'Boîtes aux lettres (ouvertes par le certificat d’authentification de la carte ; mot de passe des .p12 : cabinet-test) :',
    ...op.mailboxes.map((m) => `  ${m.address}  ←  ${m.p12}${m.opens ? '' : `  (refusé : ${m.refusal})`}`),
    `Mon espace santé (bac à sable) : ${patients.length} patient(s) actif(s) sur @${op.domains.patient}, par ex. ${patients.slice(0, 3).join(', ')}.`,
    `Journaux : ${op.logs.dovecot}, ${op.logs.postfix}`,
  ];
  return { url, lines, close: () => op.stop() };
}
