/**
 * Where `npm start` finds the Electron executable, as the `electron` package
 * itself does (node_modules/electron/path.txt → dist/<executable>, or
 * ELECTRON_OVERRIDE_DIST_PATH) — but without its download attempt: offline,
 * a missing binary gets a French explanation instead of « Electron failed to
 * install correctly ».
 */
import fs from 'node:fs';
import path from 'node:path';

export type ElectronBinary = { ok: true; file: string } | { ok: false; message: string };

export const MISSING_ELECTRON_MESSAGE = [
  'Le binaire Electron n’est pas installé (installation hors ligne, ou ELECTRON_SKIP_BINARY_DOWNLOAD=1).',
  'Sur cet ordinateur, utilisez le navigateur : « npm run web » puis ouvrez l’adresse CABINET_WEB_URL affichée.',
  'Pour l’application de bureau, réinstallez avec accès à internet : rm -rf node_modules/electron && npm install.',
].join('\n');

export function electronBinary(electronPackageDir: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const pathFile = path.join(electronPackageDir, 'path.txt');
  const executable = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH?.trim();
  const file = override
    ? path.join(override, executable || 'electron')
    : executable
      ? path.join(electronPackageDir, 'dist', executable)
      : '';
  return file && fs.existsSync(file) ? { ok: true, file } : { ok: false, message: MISSING_ELECTRON_MESSAGE };
}
