/**
 * Starts the INSi sandbox from a terminal until Ctrl-C:
 *
 *   npx cabinet pki init /tmp/pki-test          # once: the test PKI
 *   npx tsx sandboxes/insi/main.ts --pki /tmp/pki-test [--port 19443] [--idam NUM]… [--population 10000] [--reference DIR]
 *
 * Prints the URL, the accepted authorisation numbers and the trust anchor
 * to give the client (CABINET_EXTRA_CA). Exit code 2 on a usage error,
 * 1 when the sandbox cannot start (French message on stderr).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CabinetError } from '../../shared/contract/outcome.js';
import { SANDBOX_IDAM, startInsiSandbox } from './server.js';

async function main(): Promise<number> {
  let values: { pki?: string; port?: string; idam?: string[]; population?: string; reference?: string };
  try {
    ({ values } = parseArgs({
      options: {
        pki: { type: 'string' },
        port: { type: 'string' },
        idam: { type: 'string', multiple: true },
        population: { type: 'string' },
        reference: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (!values.pki) {
    process.stderr.write(
      'Usage : tsx sandboxes/insi/main.ts --pki DOSSIER [--port 19443] [--idam NUMERO]… [--population 10000] [--reference DOSSIER]\n',
    );
    return 2;
  }
  const number = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d{1,6}$/.test(text)) throw new CabinetError('INVALID_REQUEST', `${what} invalide : ${text}`);
    return Number(text);
  };
  try {
    const sandbox = await startInsiSandbox({
      pki: path.resolve(values.pki),
      port: number(values.port, 'Port'),
      population: number(values.population, 'Taille de population'),
      ...(values.idam ? { idam: values.idam } : {}),
      ...(values.reference ? { referenceDir: path.resolve(values.reference) } : {}),
    });
    process.stdout.write(
      `Bac à sable INSi : ${sandbox.url}\n` +
        `  IDAM acceptés : ${(values.idam ?? [SANDBOX_IDAM]).join(', ')}\n` +
        `  autorité de confiance (CABINET_EXTRA_CA) : ${sandbox.anchorFile}\n` +
        `  identités : ${sandbox.registry.size}, cartes Vitale : ${sandbox.registry.cards.length}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await sandbox.close();
    return 0;
  } catch (error) {
    process.stderr.write(
      `${error instanceof CabinetError ? error.message : `Le bac à sable INSi n’a pas pu démarrer : ${String((error as Error)?.message ?? error)}`}\n`,
    );
    return 1;
  }
}

process.exitCode = await main();
