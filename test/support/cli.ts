/** Runs `cabinet` command groups in-process through a fresh commander program (main.ts registers them the same way). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Registers the given groups, runs `args`, and returns what was printed and the exit code. */
export async function runCli(register: readonly ((program: Command) => void)[], args: readonly string[]): Promise<CliRun> {
  const program = new Command().name('cabinet').exitOverride();
  for (const r of register) r(program);
  const out: string[] = [];
  const err: string[] = [];
  const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    process.exitCode = 0;
    await program.parseAsync(['node', 'cabinet', ...args]);
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: out.join(''), stderr: err.join(''), exitCode };
}

export interface SpawnedCli {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cabinet` (or another script) in a child process, asynchronously: a sandbox running in the test's own
 * process keeps answering while the command waits (spawnSync would block it). Killed after `timeoutMs`.
 */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { script?: string; tsx?: boolean; timeoutMs?: number } = {},
): Promise<SpawnedCli> {
  const script = path.resolve(options.script ?? 'electron/cli/cabinet.mjs');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.tsx ? ['--import', 'tsx'] : []), script, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 30_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
