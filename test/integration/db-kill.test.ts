/**
 * The database killed during a write (SIGKILL of the writing process, at
 * seeded random moments): during the migrations of a new store, and during
 * DMP list refreshes. Reopened afterwards it passes `integrity_check`, the
 * schema is either migrated or not (never half), and the list is one whole
 * refresh — never a mix of two, never a cursor without its rows.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestVersion } from '../../electron/platform/store/migrations/index.js';
import { openStore } from '../../electron/platform/store/database.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';

const keychain = new TestKeychain();
afterAll(() => keychain.cleanup());
const seed = Number(process.env.CABINET_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** mulberry32: the kill moments, reproducible from the printed seed. */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const child = path.join(import.meta.dirname, 'children', 'db-write-child.ts');

/** Starts the child; once `ready` appears on its stdout, waits `delayMs` and kills it. */
function runAndKill(args: string[], ready: string, delayMs: number): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  proc.stdout.on('data', (c: Buffer) => {
    const before = stdout.includes(ready);
    stdout += c.toString();
    if (!before && stdout.includes(ready)) setTimeout(() => proc.kill('SIGKILL'), delayMs);
  });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Killing before `ready` too (during the migrations): the delay runs from the start.
  if (ready === '') setTimeout(() => proc.kill('SIGKILL'), delayMs);
  return new Promise((resolve) => proc.once('exit', (_code, signal) => (clearTimeout(guard), resolve({ signal, stdout, stderr }))));
}

describe(`base de données tuée pendant une écriture (graine ${seed})`, () => {
  it('tuée pendant les migrations : elle se rouvre, intègre, migrée entièrement', async () => {
    const rand = random(seed);
    for (let n = 0; n < 5; n++) {
      const dataDir = tempDir('cabinet-db-kill-');
      // tsx start-up takes ~0.5–2 s: spread the kills over the window where the store is created and migrated.
      const killed = await runAndKill(['migrate', dataDir, keychain.service], '', 300 + Math.floor(rand() * 2500));
      const store = openStore({ dataDir, keychain });
      try {
        expect(store.db.pragma('integrity_check', { simple: true }), killed.stderr).toBe('ok');
        expect(store.db.pragma('user_version', { simple: true })).toBe(latestVersion);
        expect(store.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'dmp_documents'").get()).toEqual({ n: 1 });
      } finally {
        store.close();
      }
    }
  }, 120_000);

  it('tuée pendant des rafraîchissements de la liste DMP : une seule génération entière, avec son curseur', async () => {
    const rand = random(seed ^ 0x5eed);
    const dataDir = tempDir('cabinet-db-kill-');
    openStore({ dataDir, keychain }).close();
    const seen: number[] = [];
    for (let n = 0; n < 5; n++) {
      const killed = await runAndKill(['refresh', dataDir, keychain.service], 'READY', Math.floor(rand() * 400));
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const store = openStore({ dataDir, keychain });
      try {
        expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
        const titles = (store.db.prepare("SELECT json_extract(entry, '$.title') AS title FROM dmp_documents WHERE patient_uid = 'patient-1'").all() as { title: string }[]).map((r) => r.title);
        const cursor = (store.db.prepare("SELECT cursor FROM dmp_patients WHERE patient_uid = 'patient-1'").get() as { cursor: string | null } | undefined)?.cursor ?? null;
        const generations = new Set(titles.map((t) => /^G(\d+) /.exec(t)?.[1]));
        if (titles.length === 0) expect(cursor).toBeNull();
        else {
          expect(titles).toHaveLength(300);
          expect(generations.size).toBe(1);
          expect(cursor).toBe(`g${[...generations][0]}`);
        }
        seen.push(generations.size ? Number([...generations][0]) : 0);
      } finally {
        store.close();
      }
    }
    console.log(`graine ${seed} : générations retrouvées après chaque arrêt brutal ${seen.join(', ')}`);
  }, 180_000);
});
