/**
 * Pure rules of `npm run dist:check` (build/dist-check.ts does the I/O): what
 * the packaged app loads at run time, read from the code itself — the
 * bundles' `workerFile(…)`, `appRoot(), …` and `__dirname` path literals and
 * the workers' static imports — and what must never ship.
 */
import path from 'node:path';
import { builtinModules } from 'node:module';

/** The fuses docs/security.md promises (« Security model »); checked against the electron-builder config. */
export const promisedFuses = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
} as const;

export function fuseProblems(configured: Record<string, unknown> | null | undefined): string[] {
  if (!configured) return ['electronFuses absent de la configuration electron-builder'];
  return Object.entries(promisedFuses)
    .filter(([name, value]) => configured[name] !== value)
    .map(([name, value]) => `fuse ${name} : attendu ${String(value)}, configuré ${String(configured[name])}`);
}

/**
 * Source files that are test or sandbox code: sandboxes/ (the national
 * services' stand-ins, the test PKI, the MSSanté test operator), any
 * sandbox/ folder, tests and their fixtures. None may be inside the packaged app.
 */
export function isTestOnlySource(file: string): boolean {
  const f = file.replaceAll('\\', '/').replace(/^(\.\.\/)+/, '');
  return (
    /(^|\/)sandbox(es)?\//.test(f) || /(^|\/)(test|testdata|fixtures)\//.test(f) || /\.(test|test-support|spec)\.[cm]?[jt]sx?$/.test(f)
  );
}

const literalList = String.raw`((?:\s*"[^"\n]*"\s*,?)+)`;

function literals(list: string): string[] {
  return [...list.matchAll(/"([^"\n]*)"/g)].map((m) => m[1] ?? '');
}

export interface RuntimeReferences {
  /** Paths given to `workerFile(…)` (or a function that forwards to it), relative to the application root: unpacked. */
  workers: string[];
  /** Files or folders read relative to the application root (`appRoot(), …`). */
  appFiles: string[];
  /** Files or folders read relative to the bundle's folder (`<path module>.join(__dirname, …)`). */
  besideBundle: string[];
}

/**
 * Functions that forward to `base` with a fixed prefix, as the bundle spells
 * them: `function referenceDataDir(...segments) { return workerFile(REFERENCE_DATA_FOLDER, ...segments); }`
 * → referenceDataDir: ['reference-data']. Followed through several levels.
 */
function forwarders(bundle: string, base: string): Map<string, string[]> {
  const constants = new Map(
    [...bundle.matchAll(/\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*"([^"\n]*)"\s*;/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  // esbuild renames on collisions (workerFile2…): every spelling is the base.
  const wrappers = new Map<string, string[]>([...bundle.matchAll(new RegExp(String.raw`\b${base}\d*(?=\()`, 'g'))].map((m) => [m[0], []]));
  const pattern =
    /function\s+([A-Za-z_$][\w$]*)\(\.\.\.([A-Za-z_$][\w$]*)\)\s*\{\s*return\s+([A-Za-z_$][\w$]*)\(([^()]*?),?\s*\.\.\.\2\s*\);?\s*\}/g;
  for (let grown = true; grown;) {
    grown = false;
    for (const m of bundle.matchAll(pattern)) {
      const [name, callee, args] = [m[1] ?? '', m[3] ?? '', m[4] ?? ''];
      const prefix = wrappers.get(callee);
      if (!prefix || wrappers.has(name)) continue;
      const parts = args
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean)
        .map((a) => (/^"[^"]*"$/.test(a) ? a.slice(1, -1) : constants.get(a)));
      if (parts.some((p) => p === undefined)) continue;
      wrappers.set(name, [...prefix, ...(parts as string[])]);
      grown = true;
    }
  }
  return wrappers;
}

function callsWithLiterals(bundle: string, wrappers: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [name, prefix] of wrappers) {
    const escaped = name.replace(/[$]/g, '\\$');
    for (const m of bundle.matchAll(new RegExp(String.raw`\b${escaped}\(${literalList}\)`, 'g')))
      found.push(path.posix.join(...prefix, ...literals(m[1] ?? '')));
  }
  return found;
}

/** Path literals the esbuild bundle passes to workerFile() (directly or through a forwarding function), after appRoot() and after __dirname. */
export function runtimeReferences(bundle: string): RuntimeReferences {
  const unique = (values: string[]) => [...new Set(values)].sort();
  const workers = callsWithLiterals(bundle, forwarders(bundle, 'workerFile'));
  const appFiles = [...bundle.matchAll(new RegExp(String.raw`\bappRoot\d*\(\)\s*,${literalList}`, 'g'))].map((m) =>
    path.posix.join(...literals(m[1] ?? '')),
  );
  const besideBundle = [...bundle.matchAll(new RegExp(String.raw`\.(?:join|resolve)\(\s*__dirname\s*,${literalList}`, 'g'))].map((m) =>
    path.posix.join(...literals(m[1] ?? '')),
  );
  return { workers: unique(workers), appFiles: unique(appFiles), besideBundle: unique(besideBundle) };
}

/** Whether a path relative to the application root leaves it (then the packaged app cannot contain it). */
export function leavesApp(relative: string): boolean {
  return relative === '..' || relative.startsWith('../');
}

/** `require("x")` of packages left external by the bundler (not Node built-ins, not electron). */
export function externalRequires(bundle: string): string[] {
  const names = [...bundle.matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => packageName(m[1] ?? ''));
  return [...new Set(names.filter((n) => n !== 'electron' && !isBuiltin(n)))].sort();
}

/** Specifiers of an ES module's static imports and re-exports. */
export function staticImports(source: string): string[] {
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  return [...new Set(specifiers)];
}

export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Dependencies used only to compile a native module (C++ headers), never
 * loaded: better-sqlite3-multiple-ciphers declares node-addon-api.
 */
const buildOnlyPackages: readonly string[] = ['node-addon-api'];
export function isBuildOnly(name: string): boolean {
  return buildOnlyPackages.includes(name);
}

export interface PackageInfo {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * A package and everything it needs at run time: its dependencies, and the
 * optional ones installed here (e.g. @napi-rs/keyring's prebuild for this
 * platform). `read` gives null for a package not installed.
 */
export function packageClosure(
  roots: readonly string[],
  read: (name: string) => PackageInfo | null,
  skip: (name: string) => boolean = () => false,
): { present: string[]; missing: string[] } {
  const present = new Set<string>();
  const missing = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (present.has(name) || missing.has(name) || skip(name)) continue;
    const info = read(name);
    if (!info) {
      missing.add(name);
      continue;
    }
    present.add(name);
    queue.push(...Object.keys(info.dependencies ?? {}));
    for (const optional of Object.keys(info.optionalDependencies ?? {})) if (read(optional)) queue.push(optional);
  }
  return { present: [...present].sort(), missing: [...missing].sort() };
}
