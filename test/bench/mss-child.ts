/**
 * One MSSanté sync (or the raw FETCH it is compared with) alone in a fresh
 * process, for its peak memory: the bench (`mss.ts`) runs it with
 * `node --import tsx` and reads one JSON line. Input: CABINET_BENCH_MSS (JSON).
 */
import fs from 'node:fs';
import { connectImap } from '../../electron/mss/client/imap.js';
import { MssStore } from '../../electron/mss/client/store.js';
import { SYNC_FETCH_QUERY, syncMailbox } from '../../electron/mss/client/sync.js';
import { WorkerWriter } from '../../electron/mss/client/writer.js';
import { newMailTracker } from '../../electron/mss/service.js';
import { openStore } from '../../electron/platform/store/database.js';
import { TestKeychain } from '../support/fixtures.js';

export interface ChildInput {
  mode: 'raw' | 'sync' | 'worker';
  port: number;
  ca: string;
  user: string;
  key: string;
  cert: string;
  dataDir: string;
}

export interface ChildOutput {
  mode: ChildInput['mode'];
  ms: number;
  count: number;
  /** Peak resident set size of the whole process, in bytes. */
  maxRss: number;
  /** Resident set size once connected, before the FETCH or the sync. */
  rssBefore: number;
}

const input = JSON.parse(process.env.CABINET_BENCH_MSS ?? '{}') as ChildInput;
const keychain = new TestKeychain();
const client = await connectImap({
  endpoint: { host: '127.0.0.1', port: input.port, secure: true },
  auth: { user: input.user, tls: { kind: 'pem', keyPem: input.key, certPem: input.cert, chainPem: [] } },
  trust: { extraCa: [input.ca] },
  socketTimeoutMs: 300_000,
});
/**
 * This process's peak RSS: VmHWM of /proc/self/status (the high-water mark of
 * its own memory). Not getrusage's maxRSS, which Linux carries across exec
 * from the parent (the bench process, or Chromium before it).
 */
function peakRss(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

try {
  const store = input.mode === 'raw' ? null : openStore({ dataDir: input.dataDir, keychain });
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  let count = 0;
  if (!store) {
    await client.mailboxOpen('INBOX', { readOnly: true });
    for await (const msg of client.fetch('1:*', SYNC_FETCH_QUERY, { uid: true })) if (msg.uid) count++;
  } else {
    const mss = new MssStore(store.db, input.user);
    const writer =
      input.mode === 'worker'
        ? new WorkerWriter({ file: store.file, db: store.db, keyHex: keychain.get(`base-locale:${store.storeId}`)! })
        : undefined;
    try {
      count = (await syncMailbox(client, mss, { onNew: newMailTracker(mss).onNew, ...(writer ? { writer } : {}) })).added;
    } finally {
      await writer?.close();
    }
    if (mss.search('compte rendu 4242', 5).length === 0) throw new Error('recherche plein texte vide après synchronisation');
    store.close();
  }
  const output: ChildOutput = { mode: input.mode, ms: performance.now() - start, count, maxRss: peakRss(), rssBefore };
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await client.logout().catch(() => client.close());
  keychain.cleanup();
  fs.rmSync(input.dataDir, { recursive: true, force: true });
}
