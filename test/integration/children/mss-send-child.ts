/**
 * A separate Cabinet process for the MSSanté crash test. Mode "crash": log in
 * with the test card, queue one mail, let the outbox send it — the operator
 * accepts it and Sent holds it — then die by SIGKILL before the outbox
 * records the success. Mode "crash-accepted": die right after the operator
 * accepted it, before the copy to Sent (the SMTP journal must then keep it
 * from going out twice). Mode "resume": start the worker as the app does at
 * launch; the Sent-folder check and the journal must keep the mail from
 * going out twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createServices } from '../../../electron/app/services.js';
import { createMssSender } from '../../../electron/mss/sender.js';
import { MSS_SEND_KIND } from '../../../electron/mss/sender.js';
import { OsKeychain } from '../../../electron/platform/keychain/keychain.js';

const [mode, p12, password, , keychainService, envJson, to] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const env = { ...(JSON.parse(envJson) as Record<string, string>), CABINET_ENV: 'sandbox', CABINET_CONFIG: '' };
const services = await createServices({ host: 'cli', keychain: new OsKeychain(keychainService), env });
await services.identity.loginP12(path.basename(p12), fs.readFileSync(p12), password);

if (mode === 'crash' || mode === 'crash-accepted') {
  const die = () => {
    process.kill(process.pid, 'SIGKILL');
  };
  services.worker.register(
    MSS_SEND_KIND,
    createMssSender({
      connections: { imap: () => services.mss.openImap(), smtp: async () => services.mss.smtpOptions() },
      store: (account) => services.mss.storeFor(account),
      ...(mode === 'crash' ? { afterSmtp: die } : { afterAccept: die }),
    }),
  );
  const queued = await services.mss.send({ to: [to], subject: 'Envoi interrompu', body: 'Ce message ne doit arriver qu’une fois.' });
  process.stdout.write(`MESSAGE-ID ${queued.messageId}\n`);
  await services.worker.drain();
  process.stderr.write('not killed\n');
  process.exit(3);
} else {
  services.worker.start();
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      const counts = services.outbox.counts();
      if (counts.en_attente === 0 && counts.en_cours === 0) {
        clearInterval(wait);
        resolve();
      }
    }, 50);
  });
  await services.worker.stop();
  process.stdout.write(`${JSON.stringify(services.outbox.list())}\n`);
  await services.identity.logout();
  await services.close();
}
