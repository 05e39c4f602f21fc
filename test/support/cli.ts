/** Runs `cabinet` command groups in-process through a fresh commander program (main.ts registers them the same way). */
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
