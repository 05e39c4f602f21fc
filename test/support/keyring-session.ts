/**
 * On Linux, re-runs the current script inside a private D-Bus session with a
 * fresh, unlocked GNOME Keyring (a real Secret Service), so tests and
 * benchmarks never touch the developer's own keyring. Returns only in the
 * inner process (or where no such session can be made).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const INNER = 'CABINET_KEYRING_SESSION';

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function ensurePrivateKeyring(cwd: string): void {
  if (process.platform !== 'linux' || process.env[INNER] === '1') return;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    console.warn('dbus-run-session ou gnome-keyring-daemon absent : le trousseau de la session courante sera utilisé.');
    return;
  }
  const keyringHome = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-keyring-'));
  const script = 'printf %s "$CABINET_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
  const child = spawnSync('dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, [INNER]: '1', XDG_DATA_HOME: keyringHome, CABINET_KEYRING_PASSWORD: randomBytes(12).toString('hex') },
    cwd,
  });
  // dbus-daemon warns that it cannot raise its fd limit in containers: not ours to show.
  process.stderr.write((child.stderr?.toString() ?? '').replace(/^dbus-daemon\[\d+\]: .*\n/gm, ''));
  fs.rmSync(keyringHome, { recursive: true, force: true });
  process.exit(child.status ?? 1);
}
