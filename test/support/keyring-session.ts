/**
 * On Linux, re-runs the current script inside a private D-Bus session with a
 * fresh, unlocked GNOME Keyring (a real Secret Service), so tests and
 * benchmarks never touch the developer's own keyring. Returns only in the
 * inner process (or where no such session can be made).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const INNER = 'CABINET_KEYRING_SESSION';

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export async function ensurePrivateKeyring(cwd: string): Promise<void> {
  if (process.platform !== 'linux' || process.env[INNER] === '1') return;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    console.warn('dbus-run-session ou gnome-keyring-daemon absent : le trousseau de la session courante sera utilisé.');
    return;
  }
  const keyringHome = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-keyring-'));
  const script = 'printf %s "$CABINET_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
  const child = spawn(
    'dbus-run-session',
    ['--', 'sh', '-c', script, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, [INNER]: '1', XDG_DATA_HOME: keyringHome, CABINET_KEYRING_PASSWORD: randomBytes(12).toString('hex') },
      cwd,
    },
  );
  // Passed through as it comes (so that the last line stays the runner's own), less dbus-daemon's
  // container warnings (fd limit, service activation), which are not ours to show.
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    if (!/^dbus-daemon\[\d+\]: /.test(line)) process.stderr.write(`${line}\n`);
  });
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)));
  fs.rmSync(keyringHome, { recursive: true, force: true });
  process.exit(code);
}
