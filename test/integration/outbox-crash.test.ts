/** Kill -9 in the middle of a send, restart: the action is resumed and the receiver has it once. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/platform/store/database.js';
import { tempDir, TestKeychain } from '../support/fixtures.js';

const keychain = new TestKeychain();
afterAll(() => keychain.cleanup());

const child = path.join(import.meta.dirname, 'children', 'outbox-child.ts');
// Run the child directly under node (not the tsx wrapper) so that SIGKILL hits the process itself.
const node = (mode: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', child, mode, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('outbox after a crash', () => {
  it('resumes the interrupted action and the receiver stores it exactly once', () => {
    const dataDir = tempDir();
    const receiver = path.join(dataDir, 'receiver.json');
    openStore({ dataDir, keychain }).close();

    const crashed = node('crash', dataDir, keychain.service, receiver);
    expect(crashed.signal).toBe('SIGKILL');
    expect(JSON.parse(fs.readFileSync(receiver, 'utf8'))).toEqual({ deliveries: 1, documents: ['urn:uuid:doc-crash'] });

    const resumed = node('resume', dataDir, keychain.service, receiver);
    expect(resumed.status, resumed.stderr).toBe(0);
    const items = JSON.parse(resumed.stdout) as { idempotencyKey: string; state: string; attempts: number }[];
    expect(items).toEqual([expect.objectContaining({ idempotencyKey: 'urn:uuid:doc-crash', state: 'envoye', attempts: 2 })]);
    // Sent twice (once before the crash, once after), stored once: idempotent by key.
    expect(JSON.parse(fs.readFileSync(receiver, 'utf8'))).toEqual({ deliveries: 2, documents: ['urn:uuid:doc-crash'] });
  });
});
