/**
 * The audit trail under attack by someone who holds the database key (read
 * from the keychain, as the app does) but not the practitioner's signature
 * key: the SQLCipher file is opened with the key, the triggers dropped, rows
 * edited, deleted, renumbered and re-chained, the database swapped for an
 * older copy, the anchors file edited, removed or re-signed with another
 * card. Each is reported by `verifyAudit()` (the Journal's audit.verify) and
 * by `cabinet audit verify`.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services.js';
import { ANCHORS_FILE, checkpointBytes, describeTrail, type AnchorLine } from '../../electron/platform/audit/anchors.js';
import { entryHash, GENESIS_HASH } from '../../electron/platform/audit/audit-log.js';
import { openStore, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { loadCardIntoSoftHsm, type SoftHsmCard } from '../../sandboxes/pki/softhsm.js';
import { openP12 } from '../../electron/identity/login/p12.js';
import { registerAudit } from '../../electron/cli/audit.js';
import { runCli } from '../support/cli.js';
import { envFor, tempDir, TestKeychain } from '../support/fixtures.js';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const keychain = new TestKeychain();
let pki: PkiManifest;
let card: SoftHsmCard;
/** The data folder after the sessions below; every case tampers with a copy of it. */
let baseline: string;
/** The same folder before the last session (its database is the "older copy"). */
let older: string;
let lastCount = 0;

const p12 = (id: string) => {
  const who = identity(pki, id);
  return { name: path.basename(who.p12!), content: fs.readFileSync(pkiPath(pki, who.p12!)), password: who.password! };
};

async function open(dataDir: string, host: 'cli' | 'navigateur' = 'cli'): Promise<Services> {
  const services = await createServices({ host, keychain, env: envFor(dataDir) });
  services.settings.set('identity.pkcs11Module', SOFTHSM);
  return services;
}

function copyDir(from: string): string {
  const to = tempDir('cabinet-tamper-');
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Opens the encrypted database as the app does (key from the keychain), drops the audit triggers, runs `edit`. */
function tamper(dataDir: string, edit: (db: ReturnType<typeof openStore>['db']) => void): void {
  const store = openStore({ dataDir, keychain });
  try {
    for (const { name } of store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").all() as {
      name: string;
    }[]) {
      store.db.exec(`DROP TRIGGER ${name}`);
    }
    store.db.transaction(() => edit(store.db))();
  } finally {
    store.close();
  }
}

/** Recomputes every hash from the first row, as a forger with the key would. */
function rechain(db: ReturnType<typeof openStore>['db']): void {
  let prev = GENESIS_HASH;
  const update = db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?');
  for (const row of db.prepare('SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id').all() as {
    id: number;
    at: string;
    actor: string;
    action: string;
    subject: string | null;
    details: string | null;
  }[]) {
    const hash = entryHash(prev, row);
    update.run(prev, hash, row.id);
    prev = hash;
  }
}

async function verify(dataDir: string) {
  const services = await open(dataDir);
  try {
    return await services.verifyAudit();
  } finally {
    await services.close();
  }
}

const anchorLines = (dataDir: string) =>
  fs
    .readFileSync(path.join(dataDir, ANCHORS_FILE), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AnchorLine);

beforeAll(async () => {
  const root = tempDir();
  pki = await createTestPki(path.join(root, 'pki'));
  const martin = identity(pki, 'medecin-martin');
  card = await loadCardIntoSoftHsm({
    p12Path: pkiPath(pki, martin.p12!),
    password: martin.password!,
    pin: '1234',
    label: 'CPS MARTIN',
    softhsmConf: path.join(tempDir('cabinet-softhsm-'), 'softhsm2.conf'),
  });
  process.env.SOFTHSM2_CONF = card.conf;

  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  fs.cpSync(path.join(root, 'pki'), path.join(dataDir, 'pki-test'), { recursive: true });

  // Session 1 (.p12): login, work, lock, unlock, work, logout.
  let services = await open(dataDir, 'navigateur');
  const { name, content, password } = p12('medecin-martin');
  await services.identity.loginP12(name, content, password);
  for (let i = 0; i < 5; i++) services.audit.append({ actor: '899701000012', action: 'patient.read', subject: `patient-${i}` });
  services.identity.lock();
  await services.identity.unlock(password);
  for (let i = 5; i < 8; i++) services.audit.append({ actor: '899701000012', action: 'patient.read', subject: `patient-${i}` });
  await services.identity.logout();
  await services.close();
  older = copyDir(dataDir);

  // Session 2 (the card, signing on the token): login, work, logout.
  services = await open(dataDir, 'navigateur');
  await services.identity.loginCard(0, '1234');
  for (let i = 8; i < 12; i++) services.audit.append({ actor: '899701000012', action: 'patient.read', subject: `patient-${i}` });
  await services.identity.logout();
  await services.close();
  baseline = dataDir;
  const lines = anchorLines(baseline);
  lastCount = Math.max(...lines.map((l) => l.checkpoint.count));
}, 120_000);

afterAll(() => keychain.cleanup());

describe('audit anchoring', () => {
  it('signs a checkpoint at login, lock and logout, with the .p12 and with the card', () => {
    const lines = anchorLines(baseline);
    expect(lines.map((l) => l.checkpoint.event)).toEqual(['login', 'lock', 'logout', 'login', 'logout']);
    const storeId = fs.readFileSync(path.join(baseline, STORE_ID_FILE), 'utf8').trim();
    for (const line of lines) expect(line.checkpoint).toMatchObject({ storeId, actor: '899701000012', headId: line.checkpoint.count });
    // The same signature certificate from the .p12 and from the card.
    expect(new Set(lines.map((l) => new X509Certificate(l.certificate).fingerprint256)).size).toBe(1);
  });

  it('an untouched trail is intact, and says how many entries are not anchored yet', async () => {
    const result = await verify(copyDir(baseline));
    expect(result.valid, describeTrail(result)).toBe(true);
    expect(result.anchors).toMatchObject({ checkpoints: 5, problems: [], last: { count: lastCount, actor: '899701000012' } });
    // After the last logout's checkpoint: its audit.ancrage row and app.stop (+ app.start of this verification's… none: host cli).
    expect(result.anchors.unanchored).toBeGreaterThanOrEqual(1);
    expect(result.anchors.warnings).toContain(
      `${result.anchors.unanchored} entrées après le dernier point d’ancrage (pas encore attestées par une signature)`,
    );
  });

  it('an edited middle row (no re-chaining) breaks the chain at that row', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => db.prepare("UPDATE audit_log SET subject = 'autre-patient' WHERE id = 4").run());
    const result = await verify(dir);
    expect(result).toMatchObject({ valid: false, brokenAt: 4, reason: 'le contenu de l’entrée #4 a été modifié' });
  });

  it('deleting the newest rows (below the last checkpoint) is detected', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => db.prepare('DELETE FROM audit_log WHERE id > ?').run(lastCount - 3));
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.brokenAt).toBeUndefined();
    expect(result.reason).toMatch(
      new RegExp(
        `atteste ${lastCount} entrées, la base n’en a que ${lastCount - 3} : entrées récentes supprimées ou base remplacée par une copie plus ancienne`,
      ),
    );
  });

  it('editing a row and recomputing the chain is detected', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => {
      db.prepare("UPDATE audit_log SET subject = 'patient-efface' WHERE subject = 'patient-2'").run();
      rechain(db);
    });
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/ne correspond pas au point d’ancrage signé .* journal réécrit jusqu’à cette entrée/);
    // The login checkpoint comes before the edited row and still holds; the 4 after it are broken.
    expect(result.anchors.problems.filter((p) => p.includes('journal réécrit')).length).toBe(4);
  });

  it('deleting a row, renumbering and re-chaining is detected', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => {
      const id = (db.prepare("SELECT id FROM audit_log WHERE subject = 'patient-9'").get() as { id: number }).id;
      db.prepare('DELETE FROM audit_log WHERE id = ?').run(id);
      const max = (db.prepare('SELECT MAX(id) AS m FROM audit_log').get() as { m: number }).m;
      for (let next = id + 1; next <= max; next++) db.prepare('UPDATE audit_log SET id = ? WHERE id = ?').run(next - 1, next);
      rechain(db);
    });
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/journal réécrit|entrées récentes supprimées/);
  });

  it('a database swapped for an older copy is detected', async () => {
    const dir = copyDir(baseline);
    for (const file of fs.readdirSync(older).filter((f) => f.startsWith('cabinet.db') || f.endsWith('.db')))
      fs.copyFileSync(path.join(older, file), path.join(dir, file));
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/entrées récentes supprimées ou base remplacée par une copie plus ancienne/);
  });

  it('an edited checkpoint fails its signature', async () => {
    const dir = copyDir(baseline);
    const lines = anchorLines(dir);
    lines[1]!.checkpoint.count -= 1;
    fs.writeFileSync(path.join(dir, ANCHORS_FILE), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toBe('point d’ancrage n° 2 : signature invalide (point d’ancrage modifié ou forgé)');
  });

  it('checkpoints re-signed with a card from an unknown authority are refused', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => {
      db.prepare("UPDATE audit_log SET subject = 'patient-efface' WHERE subject = 'patient-2'").run();
      rechain(db);
    });
    const store = openStore({ dataDir: dir, keychain });
    const head = (count: number) => (store.db.prepare('SELECT hash FROM audit_log WHERE id = ?').get(count) as { hash: string }).hash;
    const { content, password } = p12('etranger-moreau');
    const forged = await openP12(content, password, { identify: () => ({}) as never, validate: async () => undefined });
    const lines = anchorLines(dir).map((line) => {
      const checkpoint = { ...line.checkpoint, headHash: head(line.checkpoint.count) };
      const signer = forged.signature!;
      return {
        ...line,
        checkpoint,
        certificate: signer.certificatePem,
        chain: [...signer.chainPem],
        signature: signer.sign(checkpointBytes(checkpoint), 'RSA-SHA256').toString('base64'),
      };
    });
    store.close();
    forged.dispose();
    fs.writeFileSync(path.join(dir, ANCHORS_FILE), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(
      /^point d’ancrage n° 1 : certificat du signataire non reconnu \(Certificat refusé : autorité de certification inconnue/,
    );
  });

  it('a removed anchors file is reported while the journal announces checkpoints', async () => {
    const dir = copyDir(baseline);
    fs.rmSync(path.join(dir, ANCHORS_FILE));
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toBe(`le fichier des points d’ancrage (${ANCHORS_FILE}) a disparu alors que le journal en annonce 5`);
  });

  it('a truncated anchors file is reported', async () => {
    const dir = copyDir(baseline);
    const lines = anchorLines(dir).slice(0, 3);
    fs.writeFileSync(path.join(dir, ANCHORS_FILE), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await verify(dir);
    expect(result.valid).toBe(false);
    expect(result.reason).toMatch(/^2 point\(s\) d’ancrage annoncé\(s\) par le journal manque\(nt\) au fichier/);
  });

  it('a journal never anchored only warns « aucun point d’ancrage »', async () => {
    const dir = tempDir();
    const services = await open(dir);
    services.audit.append({ actor: 'systeme', action: 'settings.change' });
    const result = await services.verifyAudit();
    await services.close();
    expect(result.valid).toBe(true);
    expect(result.anchors.warnings[0]).toMatch(/^aucun point d’ancrage/);
  });

  it('`cabinet audit verify` reports a rewrite in French and exits non-zero', async () => {
    const dir = copyDir(baseline);
    tamper(dir, (db) => {
      db.prepare('DELETE FROM audit_log WHERE id > ?').run(lastCount - 2);
    });
    // The CLI reads the key from the real « Cabinet » keychain service, as the app does.
    const storeId = fs.readFileSync(path.join(dir, STORE_ID_FILE), 'utf8').trim();
    const cabinetKeychain = new OsKeychain(KEYCHAIN_SERVICE);
    cabinetKeychain.set(`base-locale:${storeId}`, keychain.get(`base-locale:${storeId}`)!);
    const saved = { ...process.env };
    Object.assign(process.env, envFor(dir));
    try {
      const run = await runCli([registerAudit], ['audit', 'verify']);
      expect(run.exitCode).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(/Journal altéré : le point d’ancrage du .* atteste \d+ entrées, la base n’en a que \d+/);
    } finally {
      process.env = saved;
      cabinetKeychain.delete(`base-locale:${storeId}`);
    }
  });
});
