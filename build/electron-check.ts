/**
 * `npm run electron:check`: Electronegativity (Doyensec) on the Electron
 * sources (electron/, renderer/) and on the built bundles (dist/electron/*.cjs,
 * dist/renderer/), then the security options docs/security.md promises read from
 * the built main.cjs (Electron cannot run on our build machines).
 *
 * Every finding must be listed in build/electronegativity-accepted.json with
 * the reason it is accepted; an unexplained finding fails the check (an
 * accepted one that no longer occurs is reported, to be removed). Run `npm run build` first (the
 * script builds when dist/electron/main.cjs is missing).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { transform } from 'esbuild';
import { checkMainBundle } from './main-bundle-check.js';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  manualReview?: boolean;
}
interface Accepted {
  id: string;
  /** Relative to the scanned input, as reported. */
  file: string;
  /** How many occurrences in that file are accepted (default 1): one more is unexplained. */
  count?: number;
  /** Why the finding is not a problem in Cabinet. */
  reason: string;
}

type Run = (
  options: Record<string, unknown>,
) => Promise<{ issues: Issue[]; errors: { file: string; message: string; tolerable: boolean }[] }>;
const run = require('@doyensec/electronegativity') as Run;
const electronVersion = (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string })
  .version;

if (!fs.existsSync(path.join(root, 'dist/electron/main.cjs'))) {
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), path.join(root, 'build/bundle.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/**
 * The sources as one tree (the window's handlers in electron/main.ts and the
 * page in renderer/ are judged together, as they run together).
 */
function sourcesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-eneg-src-'));
  for (const folder of ['electron', 'renderer', 'shared']) fs.cpSync(path.join(root, folder), path.join(dir, folder), { recursive: true });
  return dir;
}

/**
 * The built bundles as they ship (main, preload, renderer). Electronegativity
 * only reads .js/.ts/.html, and its parser predates class private fields: each
 * bundle is copied under a .js name with only its syntax lowered to ES2019 by
 * esbuild (same code, names and literals kept).
 */
async function bundlesDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-eneg-dist-'));
  const lower = async (from: string, to: string) => {
    const { code } = await transform(fs.readFileSync(from, 'utf8'), {
      target: 'es2019',
      loader: 'js',
      format: from.endsWith('.cjs') ? 'cjs' : undefined,
    });
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, code);
  };
  for (const name of ['main', 'preload']) await lower(path.join(root, `dist/electron/${name}.cjs`), path.join(dir, `${name}.js`));
  const renderer = path.join(root, 'dist/renderer');
  for (const entry of fs.readdirSync(renderer, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const from = path.join(entry.parentPath, entry.name);
    const to = path.join(dir, 'renderer', path.relative(renderer, from));
    if (/\.m?js$/.test(entry.name)) await lower(from, to.replace(/\.mjs$/, '.js'));
    else if (entry.name.endsWith('.html')) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
  return dir;
}

const inputs: { label: string; dir: string }[] = [
  { label: 'src', dir: sourcesDir() },
  { label: 'dist', dir: await bundlesDir() },
];

const accepted = JSON.parse(fs.readFileSync(path.join(root, 'build/electronegativity-accepted.json'), 'utf8')) as { findings: Accepted[] };
const used = new Set<Accepted>();
const unexplained: string[] = [];
let total = 0;
const occurrences = new Map<object, number>();

for (const input of inputs) {
  const result = await run({
    input: input.dir,
    isRelative: true,
    electronVersionOverride: electronVersion,
    severitySet: 'informational',
    confidenceSet: 'tentative',
  });
  for (const error of result.errors.filter((e) => !e.tolerable))
    unexplained.push(`${input.label}: analyse impossible de ${error.file} : ${error.message}`);
  for (const issue of result.issues) {
    total += 1;
    const file = `${input.label}/${issue.file}`;
    const match = accepted.findings.find((a) => a.id === issue.id && a.file === file);
    const seen = (occurrences.get(match ?? issue) ?? 0) + 1;
    occurrences.set(match ?? issue, seen);
    if (match && seen <= (match.count ?? 1)) used.add(match);
    else unexplained.push(`${issue.id} ${file}:${issue.location.line}:${issue.location.column} — ${issue.description}`);
  }
}
const stale = accepted.findings.filter((a) => !used.has(a)).map((a) => `${a.id} ${a.file}`);
for (const input of inputs) fs.rmSync(input.dir, { recursive: true, force: true });

const bundleProblems = checkMainBundle(fs.readFileSync(path.join(root, 'dist/electron/main.cjs'), 'utf8'));

console.log(
  `Electronegativity ${electronVersion ? `(Electron ${electronVersion})` : ''} : ${total} constat(s), ${used.size} accepté(s) avec leur raison (build/electronegativity-accepted.json).`,
);
if (unexplained.length) console.error(`Constats non expliqués :\n- ${unexplained.join('\n- ')}`);
// A stale acceptance (the finding was fixed) only warns: merges that fix a finding must not break the check.
if (stale.length) console.warn(`Constats acceptés qui n’apparaissent plus (à retirer du fichier) :\n- ${stale.join('\n- ')}`);
if (bundleProblems.length)
  console.error(`dist/electron/main.cjs ne tient pas les promesses de sécurité de docs/security.md :\n- ${bundleProblems.join('\n- ')}`);
else console.log('dist/electron/main.cjs : toutes les options de sécurité promises par docs/security.md sont présentes.');
process.exit(unexplained.length || bundleProblems.length ? 1 : 0);
