/** `npx tsx test/bench/mss-only.ts`: only the MSSanté sync bench (first sync, resync, memory). */
import path from 'node:path';
import { TestKeychain } from '../support/fixtures.js';
import { ensurePrivateKeyring } from '../support/keyring-session.js';
import { report } from './harness.js';
import { benchMss } from './mss.js';

await ensurePrivateKeyring(path.resolve(import.meta.dirname, '..', '..'));
console.log(report(await benchMss(new TestKeychain())));
process.exit(0);
