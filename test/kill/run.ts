/**
 * `npm run test:kill [-- --actions N] [--kills K] [--seed S]`: the mixed kill
 * test at scale (100 actions, 20 SIGKILLs by default), inside a private D-Bus
 * session and GNOME Keyring; prints the table and exits 1 on any lost or
 * duplicated action.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateKeyring } from '../support/keyring-session.js';
import { killTable, runMixedKill } from './mixed.js';

await ensurePrivateKeyring(path.resolve(import.meta.dirname, '../..'));
const { values } = parseArgs({
  options: {
    actions: { type: 'string', default: '100' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string' },
    'max-delay': { type: 'string', default: '1500' },
  },
});
const actions = Number(values.actions);
const kills = Number(values.kills);
const maxKillDelayMs = Number(values['max-delay']);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (![actions, kills, seed, maxKillDelayMs].every(Number.isInteger) || actions < 1 || kills < 0 || maxKillDelayMs < 0) {
  console.error('Usage : npm run test:kill -- [--actions N] [--kills K] [--seed S] [--max-delay MS]');
  process.exit(2);
}
console.log(`arrêts brutaux : ${actions} actions, ${kills} SIGKILL, graine ${seed}`);
const report = await runMixedKill({ actions, kills, seed, maxKillDelayMs, log: (l) => console.log(`  ${l}`) });
if (report.mssSkipped) console.log(`MSSanté ignoré : ${report.mssSkipped}`);
console.log(`\n${killTable(report)}\n`);
console.log(
  `graine ${seed} ; tentatives max d’une action : ${report.maxAttempts} ; lancements finis avant leur arrêt prévu : ${report.runsNotKilled}`,
);
for (const n of report.notSent) console.log(`NON ENVOYÉ ${n.key} (${n.state}) : ${n.lastError ?? ''}`);
const bad = report.rows.reduce((s, r) => s + r.lost + r.duplicates, 0) + report.notSent.length;
process.exit(bad === 0 ? 0 : 1);
