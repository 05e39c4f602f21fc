/**
 * The composition root: builds every service from the configuration, once,
 * for the Electron main process, the browser host and the CLI alike.
 */
import { CabinetError } from '../../shared/contract/outcome.js';
import { practiceClock, type PracticeClock } from '../../shared/domain/civil-date.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { ANCHOR_ACTION, AuditAnchors, verifyTrail, type TrailVerification } from '../platform/audit/anchors.js';
import { createDiagnostics, type Diagnostics } from '../platform/diagnostics/diagnostics.js';
import { loadConfig, type CabinetConfig, type LoadConfigOptions } from '../platform/config/config.js';
import { SettingsService } from '../platform/config/settings.js';
import { OsKeychain, type Keychain } from '../platform/keychain/keychain.js';
import { Outbox } from '../platform/outbox/outbox.js';
import { OutboxWorker } from '../platform/outbox/worker.js';
import { openStore, type Store } from '../platform/store/database.js';
import { createTracer, traceDirWarning, type Tracer } from '../platform/trace/trace.js';
import { IdentityService } from '../identity/service.js';
import { loadTrustStore } from '../identity/trust-store.js';
import { createIdentityChecks } from '../identity/checks.js';
import { validateCertificate } from '../identity/certificates/trust.js';
import { createEcpsProvider } from '../identity/psc/provider.js';
import { PatientService } from '../patients/service.js';
import { createInsiLookup } from '../ins/lookup.js';
import { CdaSelfCheck } from '../dmp/cda/self-check.js';
import { createDmpConnection } from '../dmp/connect.js';
import { createDmpFeedSender } from '../dmp/sender.js';
import { DMP_FEED_KIND, DmpService } from '../dmp/service.js';
import { workerCacheWriter } from '../dmp/cache-writer.js';
import { AnnuaireService } from '../annuaire/service.js';
import { MssService } from '../mss/service.js';
import { PaperWatchService } from '../paper/watch.js';
import { EventBus } from './events.js';
import { HealthMonitor, watchedClient } from './health.js';
import { APP_VERSION } from '../platform/version.js';

export type HostKind = 'electron' | 'navigateur' | 'cli';

export interface ServicesOptions extends LoadConfigOptions {
  host: HostKind;
  keychain?: Keychain;
  /** Start the outbox worker and the periodic health probes (not for one-shot CLI commands). */
  background?: boolean;
  /** The current instant (tests freeze it); the time zone is the `practice.timeZone` setting. */
  now?: () => Date;
  /**
   * In the sandbox only: whether the local test mail operator can run on this computer, given by the
   * host (electron/host/sandbox-mode.ts) — the app never imports sandboxes/. Absent: available.
   */
  serversAvailable?: () => { ok: true } | { ok: false; message: string };
}

export interface Services {
  host: HostKind;
  config: CabinetConfig;
  keychain: Keychain;
  store: Store;
  audit: AuditLog;
  /** The chain and its signed checkpoints (`cabinet audit verify`, the Journal). */
  verifyAudit(): Promise<TrailVerification>;
  outbox: Outbox;
  worker: OutboxWorker;
  settings: SettingsService;
  /** The practice's clock (time zone of the settings, current instant). */
  clock: PracticeClock;
  health: HealthMonitor;
  tracer: Tracer;
  diagnostics: Diagnostics;
  identity: IdentityService;
  patients: PatientService;
  dmp: DmpService;
  annuaire: AnnuaireService;
  mss: MssService;
  paper: PaperWatchService;
  events: EventBus;
  close(): Promise<void>;
}

/** The actor recorded in the audit log until a practitioner logs in. */
export const SYSTEM_ACTOR = 'systeme';

export async function createServices(options: ServicesOptions): Promise<Services> {
  const config = loadConfig(options);
  const keychain = options.keychain ?? new OsKeychain();
  const store = openStore({ dataDir: config.dataDir, keychain });
  try {
    const events = new EventBus();
    const tracer = createTracer(config.traceDir);
    const diagnostics = createDiagnostics(config.dataDir);
    if (config.traceDir) diagnostics.warn('trace', traceDirWarning(config.traceDir));
    const audit = new AuditLog(store.db, undefined, (id) => events.emit('auditAppended', { id }));
    const outbox = new Outbox(store.db);
    const settings = new SettingsService(store.db, config);
    // The practice's clock: « today » and every calendar date, in the time zone of the setting (civil-date.ts), whatever the process's TZ.
    const clock = practiceClock(() => settings.get('practice.timeZone'), options.now);
    const worker = new OutboxWorker(outbox, {
      retryWindowMs: () => settings.get('outbox.retryDays') * 24 * 3600_000,
      onChange: () => events.emit('outboxChanged', outbox.counts()),
      onError: (error) => diagnostics.error('outbox.worker', error),
      // Actions needing the practitioner wait for the login (no attempt consumed); the login kicks the worker.
      sessionReady: () => identity.session.snapshot().state === 'connecte',
      onRecovered: (recovery) => {
        audit.append({ actor: SYSTEM_ACTOR, action: 'outbox.recovered', details: { envois: recovery.count } });
        events.emit('outboxRecovered', recovery);
      },
    });
    const trust = loadTrustStore(config.trustDir);
    const anchors = new AuditAnchors(store.db, config.dataDir, store.storeId);
    // Servers' TLS: system authorities + CABINET_EXTRA_CA; in the sandbox also the test PKI (its sandboxes' certificates).
    let prepareMail: (() => void) | null = null;
    const serverTrust = config.env === 'sandbox' ? [...config.extraCa, ...trust.anchorsPem] : config.extraCa;
    // Each national service's state, learnt from the real calls below (and from probes).
    const health = new HealthMonitor(
      config,
      tracer,
      (services) => events.emit('statusChanged', { env: config.env, services, outbox: outbox.counts() }),
      serverTrust,
    );
    const identity = new IdentityService({
      audit,
      ecps: createEcpsProvider(config, serverTrust, tracer, options.env ?? process.env),
      checks: () => createIdentityChecks(trust),
      setting: (key) => settings.get(key) as never,
      anchor: (signer, actor, event) => {
        try {
          anchors.checkpoint(signer, actor, event, (count) =>
            audit.append({ actor, action: ANCHOR_ACTION, details: { count, evenement: event } }),
          );
        } catch (error) {
          diagnostics.error('audit.ancrage', error);
        }
      },
      onChange: (view) => {
        events.emit('sessionChanged', view);
        // Logged in (app hosts): the MSSanté sync's write worker starts now, in the background, not at launch.
        if (view.state === 'connecte') prepareMail?.();
        // Actions waiting for the login leave now.
        if (view.state === 'connecte') worker.kick();
      },
    });
    const patients = new PatientService(
      store.db,
      audit,
      config.env,
      () =>
        watchedClient(
          createInsiLookup({
            config,
            env: options.env ?? process.env,
            serverTrust,
            tracer,
            identity,
            validate: (leaf, chain, purpose) => createIdentityChecks(trust).validate(leaf, chain, purpose),
          }),
          'insi',
          health,
        ),
      (uid) => events.emit('patientsChanged', { uid }),
      clock,
    );
    const annuaire = new AnnuaireService({
      config,
      env: options.env ?? process.env,
      serverTrust,
      onFailure: (error) =>
        diagnostics.error('annuaire.search', new Error(`${error.code}: ${error.message} ${JSON.stringify(error.details ?? {})}`)),
    });
    // DMP: the client is built per use (endpoint from the configuration, mutual TLS and VIHF from the session).
    const dmpConnection = createDmpConnection({ config, env: options.env ?? process.env, serverTrust, tracer, identity });
    const dmpClient = () => watchedClient(dmpConnection.client(), 'dmp', health);
    let cdaChecker: CdaSelfCheck | null = null;
    const dmp = new DmpService({
      db: store.db,
      audit,
      outbox,
      patients,
      session: identity.session,
      client: dmpClient,
      checker: () => (cdaChecker ??= new CdaSelfCheck()),
      kick: () => worker.kick(),
      onChange: (uid) => events.emit('dmpChanged', { uid }),
      practice: clock,
      // The panel shows the newest documents first and gets the 2 years in the background; the CLI wants the full list at once.
      progressive: options.host !== 'cli',
      // ITI-18 answers are stored while they are read, by a worker thread with its own connection to the encrypted store.
      cacheWriter: () => workerCacheWriter(store),
    });
    worker.register(
      DMP_FEED_KIND,
      createDmpFeedSender({
        client: dmpClient,
        patients,
        session: identity.session,
        cache: dmp.cache,
        audit,
        onChange: (uid) => events.emit('dmpChanged', { uid }),
      }),
    );
    const mss = new MssService({
      db: store.db,
      audit,
      outbox,
      worker,
      config,
      env: options.env ?? process.env,
      serverTrust,
      identity,
      patients,
      observe: (service, error) => health.observe(service, error),
      // Only the sandbox runs local mail servers (the test operator); elsewhere the operator is remote.
      serversAvailable: () => (config.env === 'sandbox' && options.serversAvailable ? options.serversAvailable() : { ok: true }),
      setting: (key) => settings.get(key),
      // The sync's writes go to a worker thread with its own connection to the encrypted store (kept between syncs).
      workerStore: { file: store.file, pragmas: () => store.workerPragmas() },
      events: {
        changed: () => events.emit('mssChanged', {}),
        progress: (p) => events.emit('mssSyncProgress', p),
        newMail: (n) => events.emit('mssNewMail', n),
      },
    });

    const paper = new PaperWatchService({ db: store.db, audit, delayHours: () => settings.get('paper.delayHours') });

    if (options.host !== 'cli') {
      audit.append({ actor: SYSTEM_ACTOR, action: 'app.start', details: { host: options.host, env: config.env, version: APP_VERSION } });
    }
    if (options.background) {
      worker.start();
      health.start();
      prepareMail = () => mss.prepare();
    }

    return {
      host: options.host,
      config,
      keychain,
      store,
      audit,
      verifyAudit: () =>
        verifyTrail(audit.verify(), anchors, (leaf, chain, at) =>
          validateCertificate({
            leafPem: leaf,
            intermediatesPem: [...chain, ...trust.intermediatesPem],
            anchorsPem: trust.anchorsPem,
            crls: trust.crls,
            at,
            purpose: 'signature',
            requireCrl: false,
          }).then(() => undefined),
        ),
      outbox,
      worker,
      settings,
      clock,
      health,
      tracer,
      diagnostics,
      identity,
      patients,
      dmp,
      annuaire,
      mss,
      paper,
      events,
      async close() {
        health.stop();
        identity.dispose();
        cdaChecker?.close();
        dmpConnection.close();
        annuaire.dispose();
        await worker.stop();
        await dmp.close();
        await mss.close();
        if (options.host !== 'cli' && store.db.open)
          audit.append({ actor: SYSTEM_ACTOR, action: 'app.stop', details: { host: options.host } });
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error instanceof CabinetError ? error : new CabinetError('INTERNAL');
  }
}
