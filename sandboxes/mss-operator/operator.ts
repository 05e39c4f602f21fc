/**
 * The MSSanté test operator: Debian's Dovecot (IMAP, LMTP) and Postfix
 * (submission, inbound SMTP, DSN) configured in a folder of their own, with
 * the test IGC-Santé, plus the Mon espace santé stand-in. See README.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { CabinetError } from '../../shared/contract/outcome.js';
import { PATIENT_MSS_DOMAIN, parseMssAddress } from '../../shared/domain/mss/address.js';
import { identity, loadTestPki, pkiPath, type PkiManifest } from '../pki/test-pki.js';
import {
  assertSafePath,
  certificatePasswd,
  DEFAULT_PORTS,
  dovecotConf,
  MAIL_UID,
  noCertificatePasswd,
  oauth2Conf,
  paths,
  postfixMainCf,
  postfixMasterCf,
  postfixTables,
  tokenPasswd,
  usersPasswd,
  type OperatorLayout,
  type OperatorPorts,
} from './config.js';
import { mailboxesFromPki, PRO_DOMAINS, type OperatorMailbox } from './mailboxes.js';
import { startPatientStandin, type PatientReply } from './patient-standin.js';
import {
  alive,
  BINARIES,
  busyPorts,
  freePorts,
  mailServersAvailable,
  readPid,
  runCommand,
  runDaemon,
  stopPid,
  waitForPort,
  waitPortsClosed,
} from './processes.js';

export { mailServersAvailable } from './processes.js';
export type { OperatorPorts } from './config.js';

export interface MssOperator {
  /** IMAP over implicit TLS (client certificate required). */
  imap: { host: string; port: number };
  /** IMAP with STARTTLS on another port (same rules once TLS is up). */
  imapStarttls: { host: string; port: number };
  /** Submission with STARTTLS, client certificate required; the sender must be the certificate's mailbox. */
  smtp: { host: string; port: number };
  /** The operator's inbound SMTP (no client certificate; only the operator's own domains). */
  mx: { host: string; port: number };
  /** Submission with STARTTLS for Pro Santé Connect tokens (SASL XOAUTH2/OAUTHBEARER); null without `psc`. */
  smtpToken: { host: string; port: number } | null;
  /** Name the server certificate is issued for (`localhost`; it also carries IP 127.0.0.1). */
  servername: string;
  domains: { pro: string[]; patient: string };
  /** PEM of the test authorities the servers trust and are issued by (root + intermediates). */
  ca: string;
  mailboxes: OperatorMailbox[];
  patient: {
    activate(ins: string): void;
    close(ins: string): void;
    setReadReceipts(ins: string, on: boolean): void;
    inbox(ins: string): Promise<string[]>;
    /** The patient replies to a professional's message; resolves to the reply's Message-ID. */
    send(ins: string, reply: PatientReply): Promise<string>;
    /** Waits for the read receipts already triggered to be handed to the operator. */
    settled(): Promise<void>;
  };
  /** Delivers a raw message straight into a mailbox (pro: Dovecot LMTP; patient: the stand-in), for tests. */
  deliverRaw(to: string, raw: Buffer, from?: string): Promise<void>;
  /** Waits until Postfix's queue is empty (every message delivered or bounced), up to `timeoutMs`. */
  flush(timeoutMs?: number): Promise<void>;
  /** Every port in use (IMAPS, IMAP, submission, inbound SMTP, LMTP, stand-in). */
  ports: OperatorPorts;
  /** Folder of everything (configurations, queues, mailboxes, logs). */
  dir: string;
  /** Log files, for diagnostics. */
  logs: { dovecot: string; postfix: string };
  /** Milliseconds from call to every server listening. */
  startedInMs: number;
  /** Stops the servers by PID and waits for them to exit; idempotent. */
  stop(): Promise<void>;
}

export interface StartMssOperatorOptions {
  /** Empty or earlier operator folder; created if missing. Absolute path of safe characters. */
  dir: string;
  /** Test PKI folder (`cabinet pki init`). */
  pkiDir: string;
  ports?: Partial<OperatorPorts>;
  /** Patients whose Mon espace santé is active from the start. */
  patients?: { ins: string; readReceipts?: boolean }[];
  /** Milliseconds to wait for each server. Default 15 000. */
  timeoutMs?: number;
  /**
   * Token logins (XOAUTH2/OAUTHBEARER) checked at this Pro Santé Connect
   * realm's userinfo (`url` = realm URL, as `PscSandbox.url`). `ca`: PEM the
   * PSC server's certificate chains to (default: the test PKI's authorities).
   * `submissionPort`: the token submission port (default: a free port).
   */
  psc?: { url: string; ca?: string; submissionPort?: number };
}

const stateSchema = z.object({
  owner: z.number().int(),
  dovecot: z.number().int().nullable(),
  postfix: z.number().int().nullable(),
  ports: z.record(z.string(), z.number()),
});

const HOSTNAME = 'mss.test-mssante.fr';

function refuseRunning(dir: string): void {
  const p = paths(dir);
  if (!fs.existsSync(p.state)) return;
  let state: z.infer<typeof stateSchema> | null;
  try {
    state = stateSchema.parse(JSON.parse(fs.readFileSync(p.state, 'utf8')));
  } catch {
    state = null;
  }
  const pids = [state?.dovecot, state?.postfix, readPid(p.dovecotPid), readPid(p.postfixPid)].filter(
    (x): x is number => typeof x === 'number' && alive(x),
  );
  if (pids.length > 0) {
    throw new CabinetError(
      'CONFLICT',
      `Un opérateur MSSanté de test tourne déjà dans ${dir} (PID ${[...new Set(pids)].join(', ')}) : arrêtez-le d’abord (Ctrl+C dans « cabinet sandbox start mss »), ou utilisez un autre dossier.`,
    );
  }
}

function writeFile(file: string, text: string | Buffer, mode = 0o644): void {
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

export async function startMssOperator(options: StartMssOperatorOptions): Promise<MssOperator> {
  const t0 = performance.now();
  const available = mailServersAvailable();
  if (!available.ok) throw new CabinetError('UNAVAILABLE', available.message);
  const dir = path.resolve(options.dir);
  assertSafePath(dir);
  const ports: OperatorPorts = { ...DEFAULT_PORTS, ...options.ports };
  const portList = Object.values(ports);
  if (new Set(portList).size !== portList.length || portList.some((port) => !Number.isInteger(port) || port < 1024 || port > 65535)) {
    throw new CabinetError(
      'INVALID_REQUEST',
      `Ports de l’opérateur MSSanté invalides (distincts, entre 1024 et 65535) : ${JSON.stringify(ports)}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  fs.mkdirSync(dir, { recursive: true });
  assertTraversable(dir);
  refuseRunning(dir);
  const busy = await busyPorts(portList);
  if (busy.length > 0) {
    throw new CabinetError(
      'CONFLICT',
      `Ports déjà utilisés sur 127.0.0.1 : ${busy.join(', ')}. Un autre opérateur MSSanté de test tourne peut-être : arrêtez-le ou choisissez d’autres ports.`,
    );
  }

  let pki: PkiManifest;
  try {
    pki = loadTestPki(options.pkiDir);
  } catch (error) {
    throw new CabinetError(
      'NOT_FOUND',
      `IGC de test introuvable ou illisible dans ${options.pkiDir} (créez-la avec « cabinet pki init ») : ${(error as Error).message}`,
    );
  }
  const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
  const server = identity(pki, 'serveur-mss');
  const trusted = pki.authorities.filter((a) => a.trusted && a.certPem);
  const caPem = trusted.map((a) => read(a.certPem!)).join('');
  const crlPem = pki.crls.map((c) => read(c.pem)).join('');
  const mailboxes = mailboxesFromPki(pki, (relative) => pkiPath(pki, relative));

  // Folders: the mail processes (users mail, dovecot, dovenull, postfix) must traverse dir.
  const p = paths(dir);
  fs.rmSync(p.postfixQueue, { recursive: true, force: true }); // an earlier run's queue would replay old mail
  for (const folder of [p.dovecotDir, p.dovecotState, p.mailRoot, p.postfixDir, p.postfixQueue, p.postfixData, p.tls, p.patients])
    fs.mkdirSync(folder, { recursive: true });
  fs.chmodSync(dir, 0o711);
  for (const folder of [p.dovecotDir, p.postfixDir, p.tls]) fs.chmodSync(folder, 0o755);
  fs.chownSync(p.mailRoot, MAIL_UID, MAIL_UID);
  fs.chmodSync(p.mailRoot, 0o700);
  for (const file of [p.dovecotLog, p.postfixLog]) fs.rmSync(file, { force: true });

  const serverCert = path.join(p.tls, 'serveur-mss.pem');
  const serverKey = path.join(p.tls, 'serveur-mss-cle.pem');
  writeFile(serverCert, read(server.certPem!) + read(server.chainPem!));
  writeFile(serverKey, read(server.keyPem!), 0o600);
  writeFile(p.dovecotCaCrl, caPem + crlPem);
  writeFile(p.postfixCa, caPem);

  const pscUrl = options.psc ? new URL(options.psc.url) : null;
  if (pscUrl && pscUrl.protocol !== 'https:')
    throw new CabinetError('INVALID_REQUEST', `Pro Santé Connect doit être joint en HTTPS : ${options.psc!.url}`);
  if (pscUrl && !/^[A-Za-z0-9._/:[\]-]+$/.test(`${pscUrl.host}${pscUrl.pathname}`))
    throw new CabinetError('INVALID_REQUEST', `Adresse Pro Santé Connect refusée pour la configuration de Dovecot : ${options.psc!.url}`);
  const tokenSubmission = options.psc ? (options.psc.submissionPort ?? (await freePorts(1))[0]!) : null;
  if (tokenSubmission !== null && (portList.includes(tokenSubmission) || (await busyPorts([tokenSubmission])).length > 0)) {
    throw new CabinetError('CONFLICT', `Port de soumission par jeton Pro Santé Connect déjà utilisé : ${tokenSubmission}.`);
  }
  const layout: OperatorLayout = {
    dir,
    ports,
    proDomains: [...PRO_DOMAINS],
    hostname: HOSTNAME,
    serverCert,
    serverKey,
    mailboxes: mailboxes.map((m) => ({
      address: m.address,
      idNatPs: m.idNatPs,
      opens: m.opens,
      fingerprint: new crypto.X509Certificate(fs.readFileSync(m.certPem)).fingerprint256,
    })),
    ...(pscUrl && tokenSubmission !== null
      ? {
          oauth: {
            userinfoUrl: `${pscUrl.origin}${pscUrl.pathname.replace(/\/+$/, '')}/protocol/openid-connect/userinfo`,
            submissionPort: tokenSubmission,
          },
        }
      : {}),
  };
  writeFile(p.dovecotConf, dovecotConf(layout));
  writeFile(p.certPasswd, certificatePasswd(layout.mailboxes));
  writeFile(p.usersPasswd, usersPasswd(layout.mailboxes, layout.oauth ? p.mailRoot : undefined));
  for (const file of [p.tokenPasswd, p.noCertificatePasswd, p.oauth2Conf, p.oauth2Ca]) fs.rmSync(file, { force: true });
  if (layout.oauth) {
    writeFile(p.tokenPasswd, tokenPasswd(layout.mailboxes));
    writeFile(p.noCertificatePasswd, noCertificatePasswd());
    writeFile(p.oauth2Conf, oauth2Conf(layout));
    writeFile(p.oauth2Ca, options.psc?.ca ?? caPem);
  }
  writeFile(path.join(p.postfixDir, 'main.cf'), postfixMainCf(layout));
  writeFile(path.join(p.postfixDir, 'master.cf'), postfixMasterCf(layout));
  for (const table of postfixTables(layout)) writeFile(table.file, table.text);

  const state = { owner: process.pid, dovecot: null as number | null, postfix: null as number | null, ports: { ...ports } };
  const saveState = () => writeFile(p.state, `${JSON.stringify(state)}\n`);
  saveState();
  const tail = (file: string) => () => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped = false;
  const standin = await startPatientStandin({
    dir: p.patients,
    port: ports.patient,
    operatorSmtp: { host: '127.0.0.1', port: ports.smtp },
    proDomains: PRO_DOMAINS,
  });
  const stopAll = async () => {
    const dovecotPid = state.dovecot ?? readPid(p.dovecotPid);
    const postfixPid = state.postfix ?? readPid(p.postfixPid);
    // Dovecot's master sometimes takes 5 s or more to wind down on SIGTERM; after 2 s its group is killed (Maildir stays consistent).
    await Promise.all([dovecotPid ? stopPid(dovecotPid, 2000) : null, postfixPid ? stopPid(postfixPid) : null, standin.stop()]);
    await waitPortsClosed(tokenSubmission !== null ? [...portList, tokenSubmission] : portList);
    fs.rmSync(p.state, { force: true });
  };
  try {
    for (const patient of options.patients ?? []) {
      standin.activate(patient.ins);
      if (patient.readReceipts) standin.setReadReceipts(patient.ins, true);
    }
    await runDaemon(
      BINARIES.dovecot,
      ['-c', p.dovecotConf],
      'Démarrage de Dovecot',
      path.join(p.dovecotDir, 'demarrage.log'),
      timeoutMs,
      tail(p.dovecotLog),
    );
    state.dovecot = readPid(p.dovecotPid);
    saveState();
    fs.chownSync(p.postfixData, uidOf('postfix'), 0);
    await runDaemon(
      BINARIES.postfix,
      ['-c', p.postfixDir, 'start'],
      'Démarrage de Postfix',
      path.join(p.postfixDir, 'demarrage.log'),
      timeoutMs,
      tail(p.postfixLog),
    );
    await Promise.all([
      waitForPort(ports.imaps, 'Dovecot (IMAPS)', timeoutMs, tail(p.dovecotLog)),
      waitForPort(ports.imap, 'Dovecot (IMAP)', timeoutMs, tail(p.dovecotLog)),
      waitForPort(ports.lmtp, 'Dovecot (LMTP)', timeoutMs, tail(p.dovecotLog)),
      waitForPort(ports.submission, 'Postfix (submission)', timeoutMs, tail(p.postfixLog)),
      waitForPort(ports.smtp, 'Postfix (SMTP entrant)', timeoutMs, tail(p.postfixLog)),
      ...(tokenSubmission !== null ? [waitForPort(tokenSubmission, 'Postfix (soumission par jeton)', timeoutMs, tail(p.postfixLog))] : []),
    ]);
    state.postfix = readPid(p.postfixPid);
    state.dovecot = readPid(p.dovecotPid);
    saveState();
    if (!state.dovecot || !state.postfix)
      throw new CabinetError(
        'UNAVAILABLE',
        `Les serveurs de messagerie ont démarré sans écrire leur PID (${p.dovecotPid}, ${p.postfixPid}).`,
      );
  } catch (error) {
    await stopAll();
    throw error;
  }
  const startedInMs = Math.round(performance.now() - t0);

  // Dovecot offers STARTTLS on LMTP too: verified against the test authorities.
  const lmtpDovecot = nodemailer.createTransport({
    lmtp: true,
    host: '127.0.0.1',
    port: ports.lmtp,
    tls: { ca: caPem, servername: 'localhost' },
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const lmtpPatient = nodemailer.createTransport({
    lmtp: true,
    host: '127.0.0.1',
    port: ports.patient,
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
  });

  return {
    imap: { host: '127.0.0.1', port: ports.imaps },
    imapStarttls: { host: '127.0.0.1', port: ports.imap },
    smtp: { host: '127.0.0.1', port: ports.submission },
    mx: { host: '127.0.0.1', port: ports.smtp },
    smtpToken: tokenSubmission !== null ? { host: '127.0.0.1', port: tokenSubmission } : null,
    servername: 'localhost',
    domains: { pro: [...PRO_DOMAINS], patient: PATIENT_MSS_DOMAIN },
    ca: caPem,
    mailboxes,
    ports: { ...ports },
    dir,
    logs: { dovecot: p.dovecotLog, postfix: p.postfixLog },
    startedInMs,
    patient: {
      activate: (ins) => standin.activate(ins),
      close: (ins) => standin.close(ins),
      setReadReceipts: (ins, on) => standin.setReadReceipts(ins, on),
      inbox: (ins) => standin.inbox(ins),
      send: (ins, reply) => standin.send(ins, reply),
      settled: () => standin.settled(),
    },
    async deliverRaw(to, raw, from = `postmaster@${PRO_DOMAINS[0]}`) {
      const parsed = parseMssAddress(to);
      if (!parsed) throw new CabinetError('INVALID_REQUEST', `Adresse invalide : ${to}`);
      const transport = parsed.domain === PATIENT_MSS_DOMAIN ? lmtpPatient : lmtpDovecot;
      try {
        await transport.sendMail({ envelope: { from, to: [parsed.address] }, raw });
      } catch (error) {
        throw new CabinetError('UNAVAILABLE', `Dépôt LMTP refusé pour ${to} : ${(error as Error).message}`);
      }
    },
    async flush(timeout = 20_000) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const out = await runCommand(BINARIES.postqueue, ['-c', p.postfixDir, '-j'], 'File d’attente de Postfix', 10_000);
        if (out.trim() === '') return;
        if (Date.now() > deadline)
          throw new CabinetError('UNAVAILABLE', `File d’attente de Postfix non vide après ${timeout / 1000} s : ${out.slice(0, 1000)}`);
        await runCommand(BINARIES.postqueue, ['-c', p.postfixDir, '-f'], 'File d’attente de Postfix', 10_000).catch(() => '');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      lmtpDovecot.close();
      lmtpPatient.close();
      await stopAll();
    },
  };
}

/** The mail servers' users (postfix, dovecot, mail) must reach `dir`: every parent needs the `x` bit for others. */
function assertTraversable(dir: string): void {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) {
      throw new CabinetError(
        'INVALID_REQUEST',
        `Le dossier ${current} est fermé aux utilisateurs système de Postfix et Dovecot : l’opérateur MSSanté de test ne peut pas s’installer dans ${dir}. Choisissez un dossier dont les parents sont traversables (chmod o+x), par exemple sous ${'/tmp'}.`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}

function uidOf(user: string): number {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  const uid = line ? Number(line.split(':')[2]) : NaN;
  if (!Number.isInteger(uid))
    throw new CabinetError('UNAVAILABLE', `Utilisateur système « ${user} » absent : le paquet Postfix est-il bien installé ?`);
  return uid;
}
