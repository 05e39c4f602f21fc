/**
 * Kill -9 during a DMP feed, restart: exactly one document in the DMP.
 *
 * The DMP sandbox runs here; a child process (children/dmp-feed-child.ts)
 * runs Cabinet's real services and queues one feed. The sandbox registers the
 * document, and while it holds the ITI-41 answer the child is SIGKILLed: the
 * DMP has the document, Cabinet's outbox still says « en cours ». A new child
 * starts as the app does; the worker sees the dead owner, sends again, the
 * DMP answers XDSDuplicateUniqueIdInRegistry, the client checks the document
 * is ours (same hash) and the action ends as sent (`already`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED } from '../../sandboxes/dmp/seeds.js';
import { startDmpSandbox, type DmpSandbox } from '../../sandboxes/dmp/server.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { openStore } from '../../electron/platform/store/database.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';
import { testPatientOf } from '../support/patients.js';

const keychain = new TestKeychain();
const dataDir = tempDir('cabinet-dmp-crash-');
let pki: PkiManifest;
let sandbox: DmpSandbox;
/** Set while the feeding child runs: the sandbox kills it before answering its ITI-41. */
let killOnFeed: { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } | null = null;
const feedsRegistered: string[] = [];

beforeAll(async () => {
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  sandbox = await startDmpSandbox({
    pki,
    port: 0,
    volume: 0,
    beforeAnswer: async (request) => {
      if (request.transaction !== 'ITI41' || request.outcome !== 'Success') return;
      feedsRegistered.push(request.at);
      const victim = killOnFeed;
      if (!victim) return;
      killOnFeed = null;
      // The document is in the registry; its answer has not left. Kill the sender now, and answer only once it is gone.
      victim.child.kill('SIGKILL');
      await victim.exited;
    },
  });
  openStore({ dataDir, keychain }).close();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  keychain.cleanup();
});

function runChild(mode: 'feed' | 'resume') {
  const martin = identity(pki, 'medecin-martin');
  const p = SEEDED.valide;
  const args = {
    mode,
    dataDir,
    keychainService: keychain.service,
    dmpUrl: sandbox.url,
    p12: pkiPath(pki, martin.p12!),
    password: martin.password!,
    patient: testPatientOf(p),
  };
  // Directly under node (not the tsx wrapper), so that SIGKILL hits the process itself.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'children', 'dmp-feed-child.ts'), JSON.stringify(args)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  void exited.then(() => clearTimeout(timer));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

const value = (stdout: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1] ?? null;

describe('DMP feed after a crash', () => {
  it('the process dies while the DMP answers its ITI-41; on restart the outbox resends, the DMP holds the document exactly once', async () => {
    const feeding = runChild('feed');
    killOnFeed = { child: feeding.child, exited: feeding.exited.then((e) => e.signal) };
    const crashed = await feeding.exited;
    const { stdout, stderr } = feeding.output();
    expect(crashed.signal, stderr + stdout).toBe('SIGKILL');
    expect(killOnFeed).toBeNull(); // killed by the sandbox's hook, i.e. while its answer was held, not by the 90 s guard
    const uniqueId = value(stdout, 'UNIQUE_ID');
    expect(uniqueId).toMatch(/^2\.25\.\d+$/);
    const inRegistry = () => [...sandbox.registry.entries.values()].filter((e) => e.uniqueId === uniqueId);
    expect(inRegistry()).toHaveLength(1);
    expect(feedsRegistered).toHaveLength(1);

    const resumed = runChild('resume');
    const done = await resumed.exited;
    const out = resumed.output();
    expect(done.code, out.stderr + out.stdout).toBe(0);
    const result = JSON.parse(value(out.stdout, 'RESULT') ?? 'null') as {
      items: { idempotencyKey: string; state: string; attempts: number; result: { outcome: string; uniqueId: string } }[];
      feeds: ({ state: string; outcome: string | null } | null)[];
    };
    // One action, sent twice (before the crash, after the restart), done: « already » counts as success.
    expect(result.items).toEqual([
      expect.objectContaining({
        idempotencyKey: `dmp:${uniqueId}`,
        state: 'envoye',
        attempts: 2,
        result: expect.objectContaining({ outcome: 'already', uniqueId }),
      }),
    ]);
    expect(result.feeds).toEqual([expect.objectContaining({ state: 'envoye', outcome: 'already' })]);
    // The second ITI-41 was refused as a duplicate, and the DMP still holds one document with that uniqueId.
    const iti41 = sandbox.requests().filter((r) => r.transaction === 'ITI41');
    expect(iti41.map((r) => r.outcome)).toEqual(['Success', 'XDSDuplicateUniqueIdInRegistry']);
    expect(inRegistry()).toHaveLength(1);
    expect(feedsRegistered).toHaveLength(1);
  }, 180_000);
});
