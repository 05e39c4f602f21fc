/**
 * `cabinet sandbox start insi|psc|annuaire|dmp|mss`: runs a protocol-faithful local sandbox on
 * its sandbox-environment port, with the test PKI of the data folder
 * (created by `cabinet pki init <data>/pki-test` if missing). Prints
 * `URL=<url>` and runs until interrupted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { loadConfig } from '../platform/config/config.js';
import { sandboxPorts } from '../platform/config/endpoints.js';
import { createTestPki, identity, loadTestPki, pkiPath } from '../../sandboxes/pki/test-pki.js';
import { run } from './output.js';

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('services nationaux simulés en local (bac à sable)');
  sandbox
    .command('start')
    .addArgument(new Argument('<service>', 'service à simuler').choices(['insi', 'psc', 'annuaire', 'dmp', 'mss']))
    .addOption(
      new Option(
        '--patient <ins...>',
        'mss : INS (matricule + clé) dont l’espace Mon espace santé est actif, en plus des identités de test INSi',
      ),
    )
    .addOption(new Option('--port <port>', 'port (par défaut celui de l’environnement bac à sable)'))
    .description('démarre un bac à sable et affiche son adresse (Ctrl+C pour arrêter)')
    .action((service: 'insi' | 'psc' | 'annuaire' | 'dmp' | 'mss', options: { port?: string; patient?: string[] }) =>
      run({ json: false }, async () => {
        const config = loadConfig();
        const pkiDir = config.trustDir ?? path.join(config.dataDir, 'pki-test');
        const pki = fs.existsSync(path.join(pkiDir, 'manifest.json')) ? loadTestPki(pkiDir) : await createTestPki(pkiDir);
        const port = options.port ? Number(options.port) : service === 'mss' ? sandboxPorts.mssImap : sandboxPorts[service];
        let url: string;
        let close: () => Promise<void>;
        if (service === 'mss') {
          // Real Dovecot + Postfix (sandboxes/mss-operator/README.md); --port is the IMAPS port.
          const { startMssSandbox } = await import('../../sandboxes/mss-operator/sandbox-cli.js');
          const started = await startMssSandbox({
            pkiDir: pki.dir,
            imapsPort: port,
            smtpPort: sandboxPorts.mssSmtp,
            patients: options.patient ?? [],
          });
          ({ url } = started);
          close = () => started.close();
          process.stdout.write(`${started.lines.slice(1).join('\n')}\n`);
        } else if (service === 'insi') {
          const { startInsiSandbox } = await import('../../sandboxes/insi/server.js');
          const started = await startInsiSandbox({ pki, port });
          ({ url } = started);
          close = () => started.close();
        } else if (service === 'dmp') {
          const { startDmpSandbox } = await import('../../sandboxes/dmp/server.js');
          const started = await startDmpSandbox({ pki, port });
          ({ url } = started);
          close = () => started.close();
          process.stdout.write(
            `DMP prêt en ${Math.round(started.startMs)} ms (${started.registry.entries.size} documents). Autorité à approuver : ${started.anchorFile}\n`,
          );
        } else if (service === 'annuaire') {
          const { startAnnuaireSandbox, SANDBOX_API_KEY } = await import('../../sandboxes/annuaire/server.js');
          const started = await startAnnuaireSandbox({ pki, port });
          ({ url } = started);
          close = () => started.close();
          process.stdout.write(`Clé d’API (en-tête ESANTE-API-KEY) : ${SANDBOX_API_KEY}\n`);
        } else {
          const { startPscSandbox } = await import('../../sandboxes/psc/server.js');
          const { sandboxPractitioners, testPkiPractitioners } = await import('../../sandboxes/psc/practitioners.js');
          const server = identity(pki, 'serveur-psc');
          const read = (relative: string) => fs.readFileSync(pkiPath(pki, relative), 'utf8');
          // The test cards' practitioners too, so that their e-CPS tokens open their MSSanté test mailboxes.
          const practitioners = [...sandboxPractitioners, ...testPkiPractitioners];
          const started = await startPscSandbox({
            certPem: read(server.certPem!) + read(server.chainPem!),
            keyPem: read(server.keyPem!),
            port,
            control: true,
            practitioners,
          });
          ({ url } = started);
          close = () => started.close();
        }
        process.stdout.write(`URL=${url}\nBac à sable ${service.toUpperCase()} démarré (IGC de test : ${pki.dir}). Ctrl+C pour arrêter.\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await close();
        return { value: { url }, text: 'Bac à sable arrêté.' };
      }),
    );
}
