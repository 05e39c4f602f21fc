/** `npx tsx test/bench/keystroke-only.ts` (after `npm run build`): only the keystroke-to-screen bench. */
import path from 'node:path';
import { ensurePrivateKeyring } from '../support/keyring-session.js';
import { ms } from './harness.js';
import { benchKeystroke } from './keystroke.js';

const root = path.resolve(import.meta.dirname, '..', '..');
await ensurePrivateKeyring(root);
const k = await benchKeystroke(root);
console.log(
  `touche → résultats : médiane ${ms(k.subject.median)}, p95 ${ms(k.subject.p95)} ; référence ${ms(k.reference.median)} / ${ms(k.reference.p95)}`,
);
console.log(`images : ${k.frames.map((n, i) => `k=${i + 1} : ${n}`).join(', ')}`);
console.log(
  `étapes : lettre ${ms(k.steps.first)}, requête ${ms(k.steps.sent)}, réponse ${ms(k.steps.answered)}, DOM ${ms(k.steps.changed)}`,
);
process.exit(0);
