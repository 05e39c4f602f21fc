/**
 * `npm run web`: starts the services and the browser host, prints
 * CABINET_WEB_URL=<url> (with its one-time token) and runs until stopped.
 */
import path from 'node:path';
import { toFailure } from '../../shared/contract/outcome.js';
import { createDispatcher } from '../app/dispatch.js';
import { contextOf, createHandlers } from '../app/handlers.js';
import { createServices } from '../app/services.js';
import { sandboxModeOptions } from './sandbox-mode.js';
import { startHost } from './server.js';

async function main(): Promise<void> {
  const services = await createServices({ host: 'navigateur', background: true, ...sandboxModeOptions() });
  const dispatch = createDispatcher(createHandlers(services), {
    onInternalError: (channel, error) => services.diagnostics.error(channel, error),
  });
  const port = process.env.CABINET_WEB_PORT ? Number(process.env.CABINET_WEB_PORT) : 0;
  const host = await startHost({
    dispatch,
    events: services.events,
    context: contextOf(services),
    rendererDir: process.env.CABINET_RENDERER_DIR ?? path.join(__dirname, '..', 'renderer'),
    port,
  });
  console.log(`CABINET_WEB_URL=${host.url}`);
  console.log(`Cabinet (${services.config.env}) — données : ${services.config.dataDir}. Ctrl+C pour arrêter.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.close();
    await services.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  const failure = toFailure(error);
  console.error(`Cabinet ne peut pas démarrer : ${failure.message}`);
  if (failure.code === 'INTERNAL') console.error(error);
  process.exit(1);
});
