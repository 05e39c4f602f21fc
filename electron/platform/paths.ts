/**
 * Where Cabinet keeps its data. CABINET_DATA_DIR wins; otherwise the same
 * folder Electron's app.getPath('userData') gives for the product name, so the
 * desktop app, the browser host and the CLI share one store.
 */
import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'Cabinet';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
  }
}

export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, fallback?: string): string {
  const chosen = env.CABINET_DATA_DIR?.trim();
  return path.resolve(chosen ? chosen : (fallback ?? defaultDataDir(env)));
}

/** Per-OS location of the managed settings file used by installer-based rollouts. */
export function defaultManagedConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'win32':
      return path.join(env.ProgramData ?? 'C:\\ProgramData', PRODUCT_NAME, 'cabinet.json');
    case 'darwin':
      return path.join('/Library', 'Application Support', PRODUCT_NAME, 'cabinet.json');
    default:
      return path.join('/etc', 'cabinet', 'cabinet.json');
  }
}

/**
 * The application's root folder (where `package.json`, `node_modules` and
 * `electron/` are): two levels above this module in the sources
 * (`electron/platform/`), and two levels above the bundles too (`dist/node/`,
 * `dist/electron/`, where `import.meta.dirname` is defined as `__dirname` by
 * `build/bundle.ts`).
 */
export function appRoot(): string {
  return path.resolve(import.meta.dirname, '..', '..');
}

/**
 * A worker thread's file (`electron/**\/*-worker.mjs`), from the application
 * root. In a packaged app the workers and the modules they import are
 * unpacked next to the asar (`asarUnpack` in `build/electron-builder.config.ts`):
 * a worker cannot be started from inside the archive.
 */
export function workerFile(...segments: string[]): string {
  const file = path.join(appRoot(), ...segments);
  const packed = `${path.sep}app.asar${path.sep}`;
  return file.includes(packed) ? file.replace(packed, `${path.sep}app.asar.unpacked${path.sep}`) : file;
}
