/**
 * Electron main process — thin glue. Security baseline: sandbox for every
 * renderer, context isolation, no Node integration, strict CSP, content only
 * from the packaged app (app://cabinet/), navigation and new windows denied,
 * permissions denied by default, IPC only from the app's own frames and
 * validated against the contract. The services are the same plain Node
 * modules the browser host and the CLI use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { autoUpdater } from 'electron-updater';
import { channelNames, eventNames } from '../shared/contract/index.js';
import { fail, toFailure } from '../shared/contract/outcome.js';
import { createDispatcher } from './app/dispatch.js';
import { contextOf, createHandlers } from './app/handlers.js';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, isTrustedSenderUrl } from './app/sender.js';
import { createServices, type Services } from './app/services.js';
import { updatePolicy } from './app/updates.js';
import { diagnosticCommand } from './app/diagnostic.js';
import { resolveStaticPath } from './host/static.js';

const RENDERER_DIR = path.join(__dirname, '..', 'renderer');
const PRELOAD = path.join(__dirname, 'preload.cjs');
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/**
 * `Cabinet --diagnostic [--json]`: the Diagnostic for administrators (the fuses forbid running the app as Node,
 * so there is no `cabinet doctor` in an installed app). No window: the report on stdout, exit 1 on an « échec ».
 * It may run beside an open Cabinet (the store is shared like the CLI's), hence no single-instance lock.
 */
const diagnosticMode = process.argv.includes('--diagnostic');
if (diagnosticMode) {
  void app.whenReady().then(async () => {
    const { output, exitCode } = await diagnosticCommand('electron', process.argv.includes('--json'), {
      dataDirFallback: app.getPath('userData'),
    });
    process.stdout.write(output);
    app.exit(exitCode);
  });
}

if (!diagnosticMode && !app.requestSingleInstanceLock()) app.quit();

let services: Services | null = null;
let mainWindow: BrowserWindow | null = null;

function serveApp(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? resolveStaticPath(RENDERER_DIR, url.pathname) : null;
    if (!file || !fs.existsSync(file)) return new Response('Introuvable', { status: 404 });
    const type = file.endsWith('.html')
      ? 'text/html; charset=utf-8'
      : file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.css')
          ? 'text/css'
          : 'application/octet-stream';
    return new Response(await fs.promises.readFile(file), {
      headers: { 'Content-Type': type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // Nothing but the app's own content (and devtools in development) is ever loaded.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith('devtools://');
    callback({ cancel: !allowed });
  });
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to public help pages open in the user's browser, never inside Cabinet.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

function registerIpc(current: Services): void {
  const dispatch = createDispatcher(createHandlers(current), {
    onInternalError: (channel, error) => current.diagnostics.error(channel, error),
  });
  const context = contextOf(current);
  for (const channel of channelNames) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      if (!isTrustedSenderUrl(event.senderFrame?.url)) return fail('FORBIDDEN_SENDER');
      return dispatch(channel, payload, context());
    });
  }
  current.events.onAny((name, payload) => {
    if (eventNames.includes(name)) mainWindow?.webContents.send(`event:${name}`, payload);
  });
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    title: 'Cabinet',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => (mainWindow = null));
  void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

/**
 * Updates (installed app only, policy in app/updates.ts): the generic provider
 * at the managed file's address, downloaded in the background, installed when
 * Cabinet closes. electron-updater checks the sha512 of latest*.yml over TLS
 * (verified), the Authenticode publisher on Windows and the code signature on
 * macOS; the rollout percentage is the publisher's (stagingPercentage).
 */
function startUpdates(current: Services): void {
  const policy = updatePolicy({ host: current.host, packaged: app.isPackaged, updates: current.config.updates });
  if (!policy.enabled) return;
  autoUpdater.setFeedURL({ provider: 'generic', url: policy.url });
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.allowDowngrade = false;
  autoUpdater.allowPrerelease = false;
  autoUpdater.on('update-downloaded', (info) => current.events.emit('updateAvailable', { version: String(info.version).slice(0, 64) }));
  autoUpdater.on('error', (error) => current.diagnostics.error('updates', error));
  autoUpdater.checkForUpdates().catch((error: unknown) => current.diagnostics.error('updates', error));
}

app
  .whenReady()
  .then(async () => {
    if (diagnosticMode) return;
    serveApp();
    lockDownSession();
    try {
      services = await createServices({ host: 'electron', background: true, dataDirFallback: app.getPath('userData') });
    } catch (error) {
      const failure = toFailure(error);
      dialog.showErrorBox('Cabinet ne peut pas démarrer', failure.message);
      if (failure.code === 'INTERNAL') console.error(error);
      app.exit(1);
      return;
    }
    registerIpc(services);
    createWindow();
    startUpdates(services);
  })
  .catch((error: unknown) => {
    console.error(error);
    app.exit(1);
  });

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('window-all-closed', () => app.quit());

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !services) return;
  event.preventDefault();
  quitting = true;
  void services.close().finally(() => app.quit());
});
