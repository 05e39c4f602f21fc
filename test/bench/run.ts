/**
 * `npm run bench`. Today: the encrypted store (open with a raw key, audit
 * appends, outbox round trips), the browser host's cold start, VIHF, patient
 * search (in the store, and as you type in Chromium: keystroke.ts) and INSi.
 * Later issues add DMP and MSSanté cases here.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { AuditLog } from '../../electron/platform/audit/audit-log.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { Outbox } from '../../electron/platform/outbox/outbox.js';
import { applyKey, openStore, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { buildVihf } from '../../electron/identity/vihf/vihf.js';
import { DOMParser } from '@xmldom/xmldom';
import { buildTraitsRequest } from '../../electron/ins/client/request.js';
import { parseInsiResponse } from '../../electron/ins/client/response.js';
import { PatientRepository } from '../../electron/patients/repository.js';
import { PatientService } from '../../electron/patients/service.js';
import { AHEAD_ROWS } from '../../shared/domain/search-ahead.js';
import { ecetinsiHistory, testSoftware } from '../support/insi-samples.js';
import { seedPatients } from './patients.js';
import { benchKeystroke, FRAME_MS } from './keystroke.js';
import { ensurePrivateKeyring } from '../support/keyring-session.js';
import { issueLeaf, makeAuthority, softwareSigner } from '../support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../support/vihf-samples.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';
import { compare, ms, report, time, type Row } from './harness.js';
import { benchMss } from './mss.js';
import { benchDmp } from './dmp.js';
import { benchDmpSignature } from './dmp-signature.js';

const root = path.resolve(import.meta.dirname, '..', '..');
await ensurePrivateKeyring(root);

const rows: Row[] = [];
const keychain = new TestKeychain();

// 1. Opening the encrypted store with its raw key, against a plaintext SQLite open of the same schema.
{
  const dir = tempDir();
  openStore({ dataDir: dir, keychain }).close();
  const plainFile = path.join(tempDir(), 'plain.db');
  const plain = new Database(plainFile);
  plain.exec('CREATE TABLE t (x)');
  plain.close();
  const subject = await time(30, () => openStore({ dataDir: dir, keychain }).close());
  const reference = await time(30, () => {
    const db = new Database(plainFile);
    db.pragma('journal_mode = WAL');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.close();
  });
  rows.push({
    name: 'Ouverture complète du magasin (lecture de la clé dans le trousseau + SQLCipher + migrations)',
    baseline: 'ouverture d’une base SQLite en clair',
    subject,
    reference,
  });

  const rawKeyFile = path.join(tempDir(), 'raw.db');
  const rawKey = randomBytes(32).toString('hex');
  const openRaw = () => {
    const db = new Database(rawKeyFile);
    applyKey(db, rawKey);
    db.pragma('journal_mode = WAL');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.close();
  };
  openRaw();
  const rawOpen = await time(30, openRaw);
  rows.push({
    name: 'Ouverture SQLCipher 4 avec la clé brute (sans le trousseau)',
    baseline: 'ouverture d’une base SQLite en clair',
    subject: rawOpen,
    reference,
  });

  const passFile = path.join(tempDir(), 'pass.db');
  const withPass = await time(5, () => {
    const db = new Database(passFile);
    db.pragma(`cipher='sqlcipher'`);
    db.pragma('legacy=4');
    db.pragma(`key='une phrase de passe'`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.close();
  });
  rows.push({
    name: 'Ouverture avec une phrase de passe (PBKDF2) — pour mémoire, non utilisée',
    baseline: 'ouverture avec la clé brute',
    subject: withPass,
    reference: rawOpen,
  });
}

// 2. Audit appends (hash chain, BEGIN IMMEDIATE) against plain inserts of the same rows.
{
  const store = openStore({ dataDir: tempDir(), keychain });
  const audit = new AuditLog(store.db);
  store.db.exec('CREATE TABLE raw (id INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT, subject TEXT, details TEXT, h TEXT)');
  const raw = store.db.prepare('INSERT INTO raw (at, actor, action, subject, details, h) VALUES (?, ?, ?, ?, ?, ?)');
  const details = { ins: '1970399988877', document: 'urn:oid:1.2.250.1.999.1' };
  const subject = await time(500, (i) => audit.append({ actor: '810002909372', action: 'dmp.read', subject: `doc-${i}`, details }));
  const reference = await time(500, (i) =>
    raw.run(
      new Date().toISOString(),
      '810002909372',
      'dmp.read',
      `doc-${i}`,
      JSON.stringify(details),
      createHash('sha256').update(String(i)).digest('hex'),
    ),
  );
  rows.push({
    name: 'Ajout au journal d’accès chaîné (une transaction par entrée)',
    baseline: 'INSERT simple de la même ligne, même base',
    subject,
    reference,
    budget: 3,
  });
  const verify = await time(5, () => audit.verify());
  const scan = await time(5, () => store.db.prepare('SELECT * FROM audit_log').all());
  rows.push({
    name: `Vérification du chaînage (${audit.verify().count} entrées)`,
    baseline: 'lecture complète de la table',
    subject: verify,
    reference: scan,
  });
  store.close();
}

// 3. Outbox: enqueue + claim + complete, against a plain insert of the same payload.
{
  const store = openStore({ dataDir: tempDir(), keychain });
  const outbox = new Outbox(store.db);
  store.db.exec('CREATE TABLE raw (k TEXT PRIMARY KEY, p TEXT)');
  const raw = store.db.prepare('INSERT INTO raw (k, p) VALUES (?, ?)');
  const payload = { pdf: randomBytes(48 * 1024).toString('base64') };
  const subject = await time(300, (i) => {
    outbox.enqueue({ kind: 'dmp.feed', idempotencyKey: `k-${i}`, summary: 'Compte rendu', payload });
    const item = outbox.claimNext();
    if (item) outbox.complete(item.id, { ok: true });
  });
  const reference = await time(300, (i) => raw.run(`k-${i}`, JSON.stringify(payload)));
  rows.push({
    name: 'File d’envoi : dépôt + prise + acquittement (64 Ko de charge)',
    baseline: 'INSERT simple de la même charge',
    subject,
    reference,
  });
  store.close();
}

// 4. Browser host cold start: process start to CABINET_WEB_URL, against a bare `node -e ""`.
{
  const host = path.join(root, 'dist', 'node', 'host.cjs');
  if (!fs.existsSync(host))
    throw new Error('dist/node/host.cjs absent : lancez `npm run bench` (qui construit) plutôt que ce fichier seul');
  const startHost = () =>
    new Promise<void>((resolve, reject) => {
      const dataDir = tempDir();
      const child = spawn(process.execPath, [host], {
        env: { ...process.env, CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', CABINET_CONFIG: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('CABINET_WEB_URL=')) {
          child.kill('SIGTERM');
          child.once('exit', () => {
            const id = fs.readFileSync(path.join(dataDir, STORE_ID_FILE), 'utf8').trim();
            new OsKeychain(KEYCHAIN_SERVICE).delete(`base-locale:${id}`);
            resolve();
          });
        }
      });
      child.once('error', reject);
    });
  const bare = () => new Promise<void>((resolve) => spawn(process.execPath, ['-e', '']).once('exit', () => resolve()));
  const subject = await time(8, startHost, 1);
  const reference = await time(8, bare, 1);
  rows.push({
    name: 'Démarrage à froid de l’hôte navigateur (jusqu’à CABINET_WEB_URL, base neuve)',
    baseline: 'démarrage d’un processus node vide',
    subject,
    reference,
  });
}

// 5. A VIHF built and signed (xml-crypto, exc-c14n, RSA-SHA256), against the bare RSA signature inside it.
{
  const authority = makeAuthority();
  const leaf = issueLeaf(authority, { subject: cardSubject, usage: 'signature' });
  const signer = softwareSigner(leaf);
  const subject = await time(100, () => buildVihf(doctorInput, signer));
  const bytes = Buffer.alloc(900, 1);
  const reference = await time(100, () => signer.sign(bytes, 'RSA-SHA256'));
  rows.push({
    name: 'Assertion VIHF construite et signée (SAML 2.0, XML-DSig)',
    baseline: 'signature RSA-SHA256 seule (clé logicielle)',
    subject,
    reference,
  });
}

// 6. Patient search at 100,000 patients in the encrypted store, against the raw FTS5 prefix query.
{
  const store = openStore({ dataDir: tempDir(), keychain });
  const started = performance.now();
  seedPatients(store.db, 100_000);
  console.log(`(100 000 patients générés et indexés en ${Math.round(performance.now() - started)} ms)`);
  const repo = new PatientRepository(store.db);
  const queries = ['mar', 'dupont', 'martin mar', 'ber', 'lefe', '1958', 'gar eli', 'rou'];
  // The raw query hand-written for the same words and the same rows; and, for scale, the bare index lookup.
  const rawRows = store.db.prepare(
    'SELECT p.* FROM patients_fts JOIN patients p ON p.id = patients_fts.rowid WHERE patients_fts MATCH ? LIMIT 50',
  );
  const rawIds = store.db.prepare('SELECT rowid FROM patients_fts WHERE patients_fts MATCH ? LIMIT 50');
  const hand = queries.map((q) =>
    q
      .split(' ')
      .map((w) => `"${w}"*`)
      .join(' '),
  );
  const { subject, reference } = await compare(
    3000,
    (i) => repo.search(queries[i % queries.length]!, 50),
    (i) => rawRows.all(hand[i % hand.length]!),
  );
  const idsOnly = await time(2000, (i) => rawIds.all(hand[i % hand.length]!));
  rows.push({
    name: 'Recherche de patients (100 000 patients, base chiffrée, 50 fiches triées par nom)',
    baseline: 'requête FTS5 brute par préfixe rendant les mêmes fiches',
    subject,
    reference,
    budget: 1.5,
    p95: true,
  });
  rows.push({
    name: 'Même recherche — pour mémoire',
    baseline: 'requête FTS5 brute ne rendant que les 50 identifiants',
    subject,
    reference: idsOnly,
  });
  // The search ahead of the next key (36 next terms, 20 summaries each), done in the idle time between two keys.
  const service = new PatientService(store.db, new AuditLog(store.db), 'sandbox', () => {
    throw new Error('INSi non utilisé ici');
  });
  const aheadQueries = ['', 'm', 'ma', 'mar', 'du', 'ber', '19'];
  const ahead = await compare(
    100,
    (i) => service.searchAhead(aheadQueries[i % aheadQueries.length]!, 50, AHEAD_ROWS, 'banc'),
    (i) => service.search(aheadQueries[i % aheadQueries.length]!, 50, 'banc'),
  );
  rows.push({
    name: 'Recherche anticipée de la touche suivante (36 termes × 50, 20 fiches chacun)',
    baseline: 'une recherche de la touche tapée (50 fiches)',
    subject: ahead.subject,
    reference: ahead.reference,
  });
  store.close();
}

// 7. INSi: one traits request built and its response parsed (the client's own work per exchange), against a bare DOM parse of the same response.
{
  const response = ecetinsiHistory;
  const subject = await time(500, () => {
    buildTraitsRequest(
      { nomNaissance: 'ECETINSI', prenom: 'PIERRE-ALAIN', sexe: 'M', dateNaissance: '2009-07-14' },
      { emitter: '499700367909006', software: testSoftware },
    );
    parseInsiResponse(response);
  });
  const reference = await time(500, () => new DOMParser().parseFromString(response, 'text/xml'));
  rows.push({
    name: 'INSi : requête construite et réponse lue (historique d’INS)',
    baseline: 'analyse DOM seule de la même réponse',
    subject,
    reference,
  });
}

// 8. Search as you type, in Chromium against the host (100,000 patients): key press → results on screen, against key press → next frame.
try {
  const k = await benchKeystroke(root);
  console.log(`(frappe : 100 000 patients générés et indexés en ${Math.round(k.seedMs)} ms)`);
  rows.push({
    name: 'Recherche pendant la frappe dans Chromium (100 000 patients, hôte navigateur) : touche → première image après le changement des résultats',
    baseline: 'touche dans un champ vide hors de l’application → image suivante',
    subject: k.subject,
    reference: k.reference,
    budgetMs: { ms: FRAME_MS, label: '1 image (16,7 ms)' },
    notes: [
      `images     résultats à l’écran dans l’image n° k après la touche : ${k.frames.map((n, i) => `k=${i + 1} : ${n}`).join(', ')}`,
      `étapes     (médianes depuis la touche) image de la lettre tapée ${ms(k.steps.first)}, requête partie ${ms(k.steps.sent)}, réponse lue ${ms(k.steps.answered)}, résultats dans le DOM ${ms(k.steps.changed)}`,
      `peinture   jusqu’à la tâche qui suit l’image des résultats (style, mise en page, peinture faits) ${ms(k.subjectPainted.median)} / ${ms(k.subjectPainted.p95)} ; référence ${ms(k.referencePainted.median)} / ${ms(k.referencePainted.p95)}`,
    ],
  });
} catch (error) {
  console.error(`Banc « frappe → résultats » non mesuré : ${(error as Error).message}`);
  process.exitCode = 1;
}

// MSSanté: first sync of 10,000 messages and a no-change resync against the test operator (Dovecot + Postfix).
try {
  rows.push(...(await benchMss(keychain)));
} catch (error) {
  console.error(`Banc MSSanté non mesuré : ${(error as Error).message}`);
}

// DMP: a 2,000-entry ITI-18 answer read in a stream; a 1 MB PDF up to the ITI-41 MTOM message.
try {
  rows.push(...(await benchDmp()));
  rows.push(...(await benchDmpSignature()));
} catch (error) {
  console.error(`Banc DMP non mesuré : ${(error as Error).message}`);
}

keychain.cleanup();
console.log(report(rows));
