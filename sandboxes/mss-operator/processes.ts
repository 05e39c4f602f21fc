/**
 * Starting and stopping the mail servers (I/O): Debian's binaries, no
 * systemd, stopped by the PID their master process writes.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { CabinetError } from '../../shared/contract/outcome.js';

const execFileAsync = promisify(execFile);

export { BINARIES, mailServersAvailable } from './local-servers.js';

/** Runs a command with a time limit; a failure carries its output in French. */
export async function runCommand(file: string, args: readonly string[], what: string, timeoutMs = 20_000): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(file, [...args], { timeout: timeoutMs, maxBuffer: 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message || String(error);
    throw new CabinetError('UNAVAILABLE', `${what} : échec (${output.slice(0, 2000)})`);
  }
}

/**
 * Starts a daemon that forks and returns (dovecot, postfix start): its output
 * goes to `logFile`, never to a pipe (the forked daemon would hold the pipe
 * open and the call would wait for it).
 */
export async function runDaemon(
  file: string,
  args: readonly string[],
  what: string,
  logFile: string,
  timeoutMs = 20_000,
  extraLog?: () => string,
): Promise<void> {
  const fd = fs.openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(file, [...args], { stdio: ['ignore', fd, fd], detached: false });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new CabinetError('UNAVAILABLE', `${what} : pas de réponse après ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new CabinetError('UNAVAILABLE', `${what} : ${error.message}`));
      });
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) {
      let output = '';
      try {
        output = fs.readFileSync(logFile, 'utf8').slice(-2000);
      } catch {
        /* no output */
      }
      throw new CabinetError('UNAVAILABLE', `${what} : échec (code ${code}). ${output}${extraLog ? extraLog().slice(-2000) : ''}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(port: number, what: string, timeoutMs: number, log?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new CabinetError(
    'UNAVAILABLE',
    `${what} n’écoute pas sur 127.0.0.1:${port} après ${timeoutMs / 1000} s.${log ? ` Journal : ${log().slice(-1500)}` : ''}`,
  );
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process group of `pid` (Linux /proc), or null. */
function processGroup(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgid = Number(fields[2]);
    return Number.isInteger(pgid) ? pgid : null;
  } catch {
    return null;
  }
}

/**
 * SIGTERM to a daemon's master, then waits for it to exit (SIGKILL after
 * `graceMs`). Dovecot's and Postfix's masters lead their own process group
 * (they call setsid): when `pid` leads its group, the signal goes to the
 * group, so that the login and smtpd children release their ports at once
 * instead of lingering after the master.
 */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!alive(pid)) return;
  const target = processGroup(pid) === pid ? -pid : pid;
  try {
    process.kill(target, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (alive(pid)) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
    const hard = Date.now() + 2000;
    while (alive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until nothing listens on any of `ports` any more (a master's children close their listeners after it exits). */
export async function waitPortsClosed(ports: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await busyPorts(ports)).length === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The ports among `ports` that something already listens on. */
export async function busyPorts(ports: readonly number[]): Promise<number[]> {
  const results = await Promise.all(ports.map(async (port) => ((await portOpen(port, '127.0.0.1', 300)) ? port : null)));
  return results.filter((p): p is number => p !== null);
}

/** `count` distinct free loopback ports (for tests running in parallel). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      ports.push((server.address() as net.AddressInfo).port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return ports;
}
