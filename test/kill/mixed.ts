/**
 * Mixed outgoing actions under SIGKILL (issue 19): N actions — DMP feeds,
 * MSSanté mails to a professional and to a patient's Mon espace santé — are
 * queued by one Cabinet process; then the sending process (the app's real
 * services and outbox worker, `test/integration/children/mixed-outbox-child.ts`)
 * is SIGKILLed at seeded random moments K times, restarted each time, and
 * finally left to finish. Every action is then counted where it arrives: in
 * the DMP sandbox's registry (by uniqueId) and in the real Dovecot mailboxes
 * (IMAP, by Message-ID) or the Mon espace santé stand-in. Exactly once each,
 * none lost, none twice.
 *
 * Without Dovecot/Postfix (`mailServersAvailable()`), only DMP feeds run and
 * the report says why.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { SEEDED } from '../../sandboxes/dmp/seeds.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { createServices } from '../../electron/app/services.js';
import { createTestPki, identity, pkiPath } from '../../sandboxes/pki/test-pki.js';
import { freePorts, mailboxTls, mailServersAvailable, startMssOperator, type MssOperator } from '../../sandboxes/mss-operator/index.js';
import type { MixedChildArgs, MixedKind } from '../integration/children/mixed-outbox-child.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';
import { testPatientOf } from '../support/patients.js';

export interface MixedKillOptions {
  actions: number;
  kills: number;
  seed: number;
  /** Kill moments: uniform in [0, maxKillDelayMs] after the child says READY. */
  maxKillDelayMs?: number;
  log?: (line: string) => void;
}

export interface KindCount {
  kind: MixedKind;
  actions: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

export interface MixedKillReport {
  seed: number;
  actions: number;
  kills: number;
  /** Runs that finished on their own before their kill moment (the queue was already empty). */
  runsNotKilled: number;
  rows: KindCount[];
  /** Outbox items not « envoye » at the end, with their error. */
  notSent: { key: string; state: string; lastError: string | null }[];
  /** Highest number of attempts of one action (a resend after a kill is an attempt). */
  maxAttempts: number;
  seconds: number;
  mssSkipped: string | null;
}

/** mulberry32: the plan and the kill moments, reproducible from the printed seed. */
export function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHILD = path.join(import.meta.dirname, '..', 'integration', 'children', 'mixed-outbox-child.ts');

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the child (directly under node, so SIGKILL hits Cabinet itself); kills it `killAfterMs` after READY when given. */
function runChild(args: MixedChildArgs, killAfterMs: number | null, guardMs = 300_000): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
  let timer: NodeJS.Timeout | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    const before = stdout.includes('READY\n');
    stdout += chunk.toString();
    if (killAfterMs !== null && !before && stdout.includes('READY\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

const line = (stdout: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1] ?? null;
const messageIdOf = (raw: string) => /^message-id:\s*(<[^>\r\n]+>)/im.exec(raw)?.[1] ?? null;

export async function runMixedKill(options: MixedKillOptions): Promise<MixedKillReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const rand = random(options.seed);
  const mail = mailServersAvailable();
  const mssSkipped = mail.ok ? null : `Dovecot/Postfix absents (${mail.message}) : envois MSSanté non testés, seuls les versements DMP`;
  const kinds: MixedKind[] = mail.ok ? ['dmp', 'pro', 'patient'] : ['dmp'];
  const plan = Array.from({ length: options.actions }, () => kinds[Math.floor(rand() * kinds.length)]!);

  const root = tempDir('cabinet-kill-mixed-');
  fs.chmodSync(root, 0o711); // Postfix and Dovecot run as their own users: they must traverse it
  const keychain = new TestKeychain();
  const pki = await createTestPki(path.join(root, 'pki'));
  let dmp: DmpSandbox | null = null;
  let op: MssOperator | null = null;
  try {
    dmp = await startDmpSandbox({ pki, port: 0, volume: 0 });
    const p = SEEDED.valide;
    const ins = p.active.matricule + p.active.cle;
    const martin = identity(pki, 'medecin-martin');
    const dataDir = path.join(root, 'donnees');
    const env: Record<string, string> = { CABINET_DATA_DIR: dataDir, CABINET_TRUST_DIR: pki.dir, CABINET_DMP_URL: dmp.url };
    let proRecipient = 'infirmier-petit@hopital.test-mssante.fr';
    let imapFor: (() => ImapFlow) | null = null;
    if (mail.ok) {
      const [imaps, imap, submission, smtp, lmtp, patient] = await freePorts(6);
      op = await startMssOperator({
        dir: path.join(root, 'operateur'),
        pkiDir: pki.dir,
        ports: { imaps: imaps!, imap: imap!, submission: submission!, smtp: smtp!, lmtp: lmtp!, patient: patient! },
        patients: [{ ins }],
      });
      const sender = op.mailboxes.find((m) => m.identity === 'medecin-martin')!;
      const recipient = op.mailboxes.find((m) => m.identity === 'infirmier-petit')!;
      proRecipient = recipient.address;
      const extraCa = path.join(root, 'operateur-ca.pem');
      fs.writeFileSync(extraCa, op.ca);
      Object.assign(env, {
        CABINET_EXTRA_CA: extraCa,
        CABINET_MSS_IMAP_URL: `imaps://127.0.0.1:${op.imap.port}`,
        CABINET_MSS_SMTP_URL: `smtp://127.0.0.1:${op.smtp.port}`,
        CABINET_MSS_ADRESSE: sender.address,
      });
      const operator = op;
      imapFor = () =>
        new ImapFlow({
          host: operator.imap.host,
          port: operator.imap.port,
          secure: true,
          logger: false,
          tls: { ...mailboxTls(recipient), ca: operator.ca, servername: operator.servername },
          auth: { user: recipient.address, pass: 'certificat' },
          connectionTimeout: 10_000,
        });
    }
    // The store and its key are made once here, as the app's first launch does; the children open it.
    await (await createServices({ host: 'cli', keychain, env: { ...env, CABINET_ENV: 'sandbox', CABINET_CONFIG: '' } })).close();
    const args = (mode: MixedChildArgs['mode']): MixedChildArgs => ({
      mode,
      keychainService: keychain.service,
      env,
      p12: pkiPath(pki, martin.p12!),
      password: martin.password!,
      plan,
      proRecipient,
      patient: testPatientOf(p),
    });

    const enqueued = await runChild(args('enqueue'), null);
    const actions = JSON.parse(line(enqueued.stdout, 'ACTIONS') ?? 'null') as { kind: MixedKind; key: string }[] | null;
    if (enqueued.code !== 0 || !actions)
      throw new Error(`mise en file impossible (code ${enqueued.code}) :\n${enqueued.stderr}${enqueued.stdout}`);
    log(`${actions.length} actions en file (${kinds.map((k) => `${k} ${plan.filter((x) => x === k).length}`).join(', ')})`);

    const maxDelay = options.maxKillDelayMs ?? 1500;
    let runsNotKilled = 0;
    for (let k = 0; k < options.kills; k++) {
      const delay = Math.floor(rand() * maxDelay);
      const run = await runChild(args('work'), delay);
      if (run.signal === 'SIGKILL') log(`arrêt brutal ${k + 1}/${options.kills} à ${delay} ms après le démarrage du worker`);
      else if (run.code === 0) {
        runsNotKilled++;
        log(`lancement ${k + 1} : la file était vide avant l’arrêt prévu (${delay} ms)`);
      } else throw new Error(`le processus d’envoi a échoué (code ${run.code}) :\n${run.stderr}${run.stdout}`);
    }
    const final = await runChild(args('work'), null);
    const items = JSON.parse(line(final.stdout, 'RESULT') ?? 'null') as
      { key: string; state: string; attempts: number; lastError: string | null }[] | null;
    if (final.code !== 0 || !items) throw new Error(`dernier lancement en échec (code ${final.code}) :\n${final.stderr}${final.stdout}`);

    // Count at the receivers.
    const counts = new Map<string, number>();
    const bump = (key: string | null) => key && counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const entry of dmp.registry.entries.values()) bump(entry.uniqueId);
    if (op && imapFor) {
      await op.flush(60_000);
      for (const raw of await op.patient.inbox(ins)) bump(messageIdOf(raw));
      const client = imapFor();
      await client.connect();
      try {
        const lock = await client.getMailboxLock('INBOX');
        try {
          for await (const message of client.fetch('1:*', { headers: ['message-id'] }))
            bump(messageIdOf(message.headers?.toString('utf8') ?? ''));
        } finally {
          lock.release();
        }
      } finally {
        await client.logout().catch(() => undefined);
      }
    }
    const rows: KindCount[] = kinds.map((kind) => {
      const mine = actions.filter((a) => a.kind === kind).map((a) => counts.get(a.key) ?? 0);
      return {
        kind,
        actions: mine.length,
        delivered: mine.filter((n) => n >= 1).length,
        lost: mine.filter((n) => n === 0).length,
        duplicates: mine.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      };
    });
    return {
      seed: options.seed,
      actions: actions.length,
      kills: options.kills - runsNotKilled,
      runsNotKilled,
      rows,
      notSent: items.filter((i) => i.state !== 'envoye').map(({ key, state, lastError }) => ({ key, state, lastError })),
      maxAttempts: Math.max(0, ...items.map((i) => i.attempts)),
      seconds: (performance.now() - started) / 1000,
      mssSkipped,
    };
  } finally {
    await op?.stop().catch(() => undefined);
    await dmp?.close().catch(() => undefined);
    keychain.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const LABEL: Record<MixedKind, string> = { dmp: 'versements DMP', pro: 'MSSanté → professionnel', patient: 'MSSanté → patient' };

export function killTable(report: MixedKillReport): string {
  const total = report.rows.reduce(
    (s, r) => ({
      actions: s.actions + r.actions,
      delivered: s.delivered + r.delivered,
      lost: s.lost + r.lost,
      duplicates: s.duplicates + r.duplicates,
    }),
    { actions: 0, delivered: 0, lost: 0, duplicates: 0 },
  );
  const rows = [
    ['actions', 'nombre', 'arrêts brutaux', 'remises', 'perdues', 'doublons', 'durée (s)'],
    ...report.rows.map((r) => [LABEL[r.kind], String(r.actions), '', String(r.delivered), String(r.lost), String(r.duplicates), '']),
    [
      'total',
      String(total.actions),
      String(report.kills),
      String(total.delivered),
      String(total.lost),
      String(total.duplicates),
      report.seconds.toFixed(0),
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const fmt = (row: string[]) => `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [
    fmt(rows[0]!),
    `|${widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|')}|`,
    ...rows.slice(1).map(fmt),
  ].join('\n');
}
