/**
 * The layers' rule of `npm run lint` (`cabinet/layers`): every relative import
 * is resolved to the file it names, and that file's layer must be one the
 * importing file's layer may use — platform ← services ← app ← hosts; shared/
 * uses only shared/; the renderer only itself, shared/contract and
 * shared/domain; sandboxes/ only from tests and the three launchers below.
 * Pure rules here (tested in eslint-layers.test.ts), the ESLint glue at the end.
 */
import path from 'node:path';
import type { Rule } from 'eslint';

export type Layer = 'platform' | 'services' | 'app' | 'hosts' | 'shared' | 'renderer' | 'sandboxes' | 'tests' | 'build' | 'other';

/** The layer of a repository-relative path (forward slashes). */
export function layerOf(file: string): Layer {
  const f = file.replaceAll('\\', '/');
  if (f.startsWith('test/') || /\.(test|test-support|spec)\.[cm]?[jt]sx?$/.test(f)) return 'tests';
  if (f.startsWith('sandboxes/')) return 'sandboxes';
  if (f.startsWith('shared/')) return 'shared';
  if (f.startsWith('renderer/')) return 'renderer';
  if (f.startsWith('build/')) return 'build';
  if (f.startsWith('electron/platform/') || f.startsWith('electron/types/')) return 'platform';
  if (f.startsWith('electron/app/')) return 'app';
  if (f.startsWith('electron/host/') || f.startsWith('electron/cli/') || f === 'electron/main.ts' || f === 'electron/preload.ts')
    return 'hosts';
  if (/^electron\/[^/]+\//.test(f)) return 'services';
  return 'other';
}

/** What each layer may import (besides packages). Tests, build scripts and the rest: anything. */
const allowed: Partial<Record<Layer, readonly Layer[]>> = {
  platform: ['platform', 'shared'],
  services: ['services', 'platform', 'shared'],
  app: ['app', 'services', 'platform', 'shared'],
  hosts: ['hosts', 'app', 'services', 'platform', 'shared'],
  shared: ['shared'],
  renderer: ['renderer', 'shared'],
  sandboxes: ['sandboxes', 'services', 'platform', 'shared'],
};

/** The only app files that start sandboxes: the CLI's `sandbox` and `pki` commands, the hosts' sandbox-mode launcher. */
export const SANDBOX_LAUNCHERS: readonly string[] = ['electron/cli/sandbox.ts', 'electron/cli/pki.ts', 'electron/host/sandbox-mode.ts'];

/** Why `from` (repository-relative) may not import `target` (repository-relative, resolved), or null if it may. */
export function layerViolation(from: string, target: string): string | null {
  const source = layerOf(from);
  const layer = layerOf(target);
  if (target.startsWith('../') || target === '..') return `${from} importe ${target}, hors du dépôt.`;
  if (target === 'package.json') return null; // the version (electron/platform/version.ts)
  if (layer === 'sandboxes' && SANDBOX_LAUNCHERS.includes(from)) return null;
  const may = allowed[source];
  if (!may) return null;
  if (!may.includes(layer)) {
    if (layer === 'sandboxes')
      return `Le code de l’application n’importe jamais sandboxes/ (seuls les tests, les commandes « cabinet sandbox » et « cabinet pki », et electron/host/sandbox-mode.ts le font) : ${target}.`;
    return `Couche ${source} : elle n’importe pas la couche ${layer} (platform ← services ← app ← hôtes ; shared/ ne dépend de rien) : ${target}.`;
  }
  if (source === 'renderer' && layer === 'shared' && !/^shared\/(contract|domain)\//.test(target)) {
    return `Le rendu n’utilise de shared/ que contract/ et domain/ : ${target}.`;
  }
  return null;
}

/** The ESLint rule: relative imports, re-exports and dynamic imports with a literal path. */
export const layersRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    schema: [],
    docs: { description: 'Respect des couches (platform ← services ← app ← hôtes ; shared ; rendu ; sandboxes)' },
  },
  create(context) {
    const root = context.cwd;
    const from = path.relative(root, context.filename).replaceAll('\\', '/');
    const check = (node: Rule.Node, value: unknown) => {
      if (typeof value !== 'string' || !value.startsWith('.')) return;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), value));
      const message = layerViolation(from, target);
      if (message) context.report({ node, message });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => check(node, node.source?.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
    };
  },
};
