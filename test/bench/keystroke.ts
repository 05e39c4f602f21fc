/**
 * Patient search as the practitioner sees it: in Chromium, against the real
 * browser host and 100,000 patients in the encrypted store, the time from a
 * key press in the search box to the first animation frame after the
 * results table changed for that exact query — against, in the same page
 * and the same run, a key press in a bare input (outside the application)
 * to the next animation frame.
 *
 * Keystrokes never overlap: each key is typed alone, and the next one only
 * after the previous one's results are on screen, plus an irregular pause
 * (as a person types, and so that key presses fall anywhere in a frame).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { createTestPki, pkiPath } from '../../sandboxes/pki/test-pki.js';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../electron/platform/keychain/keychain.js';
import { openStore, STORE_ID_FILE } from '../../electron/platform/store/database.js';
import { measure, type Measure } from './harness.js';
import { seedPatients } from './patients.js';

/** Debian's Chromium, as for the end-to-end tests; elsewhere set CABINET_CHROMIUM. */
const chromiumPath = process.env.CABINET_CHROMIUM ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const FRAME_MS = 1000 / 60;
const PATIENTS = 100_000;
/** Realistic prefixes (surnames and first names of the bench population); the first ones only warm up. */
const WARMUP_WORDS = ['dub', 'pet'];
const WORDS = [
  'mar',
  'dup',
  'ber',
  'lef',
  'rou',
  'gar',
  'mor',
  'fou',
  'gir',
  'bon',
  'lam',
  'fon',
  'vin',
  'mul',
  'mer',
  'bla',
  'gue',
  'che',
  'nat',
  'elo',
];
const HOST_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 30_000;
/** Time for one key's results to reach the screen before the case is abandoned. */
const KEY_TIMEOUT_MS = 10_000;
const SEARCH_LABEL = 'Rechercher un patient — nom, prénom, date de naissance ou INS';

export interface KeystrokeResult {
  /** Key press → first animation frame after the results changed. */
  subject: Measure;
  /** Key press in a bare input → next animation frame. */
  reference: Measure;
  /** Key press → the task after that frame (its style, layout and paint done). */
  subjectPainted: Measure;
  referencePainted: Measure;
  /** Medians, from the key press: its own first frame (the typed letter), the request sent, its answer read, the results in the DOM. */
  steps: { first: number; sent: number; answered: number; changed: number };
  /** How many keys had their results in the 1st, 2nd, 3rd… frame after the key press (index 0 = 1st). */
  frames: number[];
  seedMs: number;
}

/**
 * The in-page probe, as plain JavaScript (a string, so that nothing of the
 * bundler's output leaks into the page). Capture listeners on window see
 * the key press before the application does.
 */
const probe = String.raw`(() => {
  const box = document.querySelector('input[type="search"]');
  const results = box && document.getElementById(box.getAttribute('aria-controls'));
  if (!box || !results) throw new Error('champ de recherche ou liste des résultats introuvable');
  const idle = document.createElement('input');
  idle.id = 'banc-champ-vide';
  idle.setAttribute('aria-label', 'Champ vide du banc d’essai');
  idle.setAttribute('autocomplete', 'off');
  idle.style.cssText = 'position:fixed;left:8px;bottom:8px;z-index:1000;width:10em';
  document.body.append(idle);

  // Only armed keys are measured (not the clearing between words, which Playwright may do with a key).
  const state = { samples: [], pending: null, waiters: [], armed: false };
  // Where the time goes: the bridge's request leaving, its result arriving in the page.
  const send = WebSocket.prototype.send;
  const watched = new WeakSet();
  WebSocket.prototype.send = function (data) {
    const p = state.pending;
    if (p && p.sent === undefined) p.sent = performance.now();
    if (!watched.has(this)) {
      // Ahead of the bridge's own handler (which renders the answer before returning): the moment the result is read.
      watched.add(this);
      const handler = this.onmessage;
      this.onmessage = function (event) {
        const q = state.pending;
        const isResult = typeof event.data === 'string' && event.data.startsWith('{"t":"result"');
        if (isResult && q && q.sent !== undefined && q.answered === undefined) q.answered = performance.now();
        return handler && handler.call(this, event);
      };
    }
    return send.call(this, data);
  };
  const captionFor = (q) => (q ? 'Patients correspondant à « ' + q + ' »' : 'Patients récents');
  const finish = (p) => {
    const since = (t) => (t === undefined ? null : t - p.t0);
    state.samples.push({
      kind: p.kind, query: p.expected, first: since(p.first), frame: since(p.frame), painted: since(p.painted),
      sent: since(p.sent), answered: since(p.answered), changed: since(p.changed),
      // Frames counted by their own timestamps (the same for every callback of one frame): 1 = the key's first frame.
      frames: p.frameTs === p.firstFrameTs ? 1 : 1 + Math.max(1, Math.round((p.frameTs - p.firstFrameTs) / (1000 / 60))),
    });
    state.pending = null;
    for (const w of state.waiters.splice(0)) w();
  };
  // After the frame: rAF callback, then a task (runs once that frame's style, layout and paint are done).
  const onFrame = (p) => {
    requestAnimationFrame((ts) => {
      p.frame = performance.now();
      p.frameTs = ts;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        p.painted = performance.now();
        channel.port1.close();
        if (p.firstFrameTs !== undefined) finish(p);
        else p.ready = true;
      };
      channel.port2.postMessage(0);
    });
  };
  window.addEventListener('keydown', (event) => {
    if (!state.armed || (event.target !== box && event.target !== idle)) return;
    if (state.pending) throw new Error('touche pressée avant que la précédente ait été mesurée');
    const p = { kind: event.target === box ? 'recherche' : 'vide', t0: performance.now(), expected: null };
    state.pending = p;
    requestAnimationFrame((ts) => {
      p.firstFrameTs = ts;
      p.first = performance.now();
      if (p.ready) finish(p);
    });
    if (p.kind === 'vide') onFrame(p);
  }, true);
  window.addEventListener('input', (event) => {
    const p = state.pending;
    if (p && p.kind === 'recherche' && event.target === box) p.expected = box.value.trim();
  }, true);
  new MutationObserver(() => {
    const p = state.pending;
    if (!p || p.kind !== 'recherche' || p.expected === null || p.changed !== undefined) return;
    const caption = results.querySelector('caption');
    if (!caption || caption.textContent !== captionFor(p.expected)) return;
    p.changed = performance.now();
    onFrame(p);
  }).observe(results, { childList: true, subtree: true, characterData: true });

  window.__banc = {
    count: () => state.samples.length,
    arm: (on) => { state.armed = on; },
    samples: () => state.samples,
    reset: () => { state.samples.length = 0; },
    waitFor: (n, timeout) => new Promise((resolve, reject) => {
      const check = () => state.samples.length > n;
      if (check()) return resolve(state.samples[n]);
      const timer = setTimeout(() => reject(new Error('résultats absents de l’écran ' + timeout + ' ms après la touche (' + JSON.stringify(state.pending && { genre: state.pending.kind, requete: state.pending.expected }) + ')')), timeout);
      const waiter = () => {
        if (!check()) return state.waiters.push(waiter);
        clearTimeout(timer);
        resolve(state.samples[n]);
      };
      state.waiters.push(waiter);
    }),
  };
})()`;

interface Sample {
  kind: 'recherche' | 'vide';
  query: string | null;
  first: number | null;
  frame: number;
  painted: number;
  sent: number | null;
  answered: number | null;
  changed: number | null;
  frames: number;
}

const median = (values: (number | null)[]) => measure(values.filter((v): v is number => v !== null)).median;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startHost(root: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const hostFile = path.join(root, 'dist', 'node', 'host.cjs');
  if (!fs.existsSync(hostFile))
    throw new Error('dist/node/host.cjs absent : lancez `npm run bench` (qui construit) plutôt que ce fichier seul');
  const child = spawn(process.execPath, [hostFile], {
    cwd: root,
    env: { ...process.env, CABINET_DATA_DIR: dataDir, CABINET_ENV: 'sandbox', CABINET_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`l’hôte navigateur n’a pas démarré en ${HOST_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, HOST_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^CABINET_WEB_URL=(\S+)$/m.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`l’hôte navigateur ne peut pas être lancé : ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`l’hôte navigateur s’est arrêté (code ${code})\n${stderr}`));
    });
  });
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function openPatients(page: Page, url: string, p12: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
  await page.getByRole('radio', { name: 'Certificat logiciel' }).check();
  await page.getByLabel('Fichier du certificat (.p12 ou .pfx)').setInputFiles(p12);
  await page.getByLabel('Mot de passe du certificat').fill(password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  await nav.waitFor();
  await nav.getByText('Patients', { exact: true }).click();
  await page.getByRole('searchbox', { name: SEARCH_LABEL }).waitFor();
  await page.locator('caption', { hasText: 'Patients récents' }).waitFor();
}

/** Types `word` one key at a time into the focused field, each key measured before the next. */
async function typeMeasured(page: Page, word: string, pause: () => number): Promise<void> {
  await page.evaluate('window.__banc.arm(true)');
  for (const key of word) {
    const n = (await page.evaluate('window.__banc.count()')) as number;
    await page.keyboard.type(key);
    await page.evaluate(`window.__banc.waitFor(${n}, ${KEY_TIMEOUT_MS})`);
    await sleep(pause());
  }
  await page.evaluate('window.__banc.arm(false)');
}

/**
 * The whole case: test PKI and 100,000 patients in a temporary data folder
 * (key in the real OS keychain), the host on it, Chromium logged in with
 * the test practitioner's certificate, then the keystrokes. Everything is
 * removed afterwards, whatever happened.
 */
export async function benchKeystroke(root: string): Promise<KeystrokeResult> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `Chromium introuvable (${chromiumPath}) : le banc « frappe → résultats » ne peut pas s’exécuter. ` +
        'Installez-le (Debian/Ubuntu : sudo apt-get install chromium) ou indiquez son chemin dans CABINET_CHROMIUM.',
    );
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-bench-frappe-'));
  const keychain = new OsKeychain(KEYCHAIN_SERVICE);
  let host: ChildProcess | null = null;
  let browser: Browser | null = null;
  try {
    const pki = await createTestPki(path.join(dataDir, 'pki-test'));
    const started = performance.now();
    const store = openStore({ dataDir, keychain });
    try {
      seedPatients(store.db, PATIENTS);
    } finally {
      store.close();
    }
    const seedMs = performance.now() - started;

    const hostStart = await startHost(root, dataDir);
    host = hostStart.child;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true, timeout: STEP_TIMEOUT_MS });
    } catch (error) {
      throw new Error(`Chromium (${chromiumPath}) ne démarre pas : ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await openPatients(page, hostStart.url, pkiPath(pki, 'cartes/medecin-martin.p12'), 'cabinet-test');
    await page.evaluate(probe);

    const box = page.getByRole('searchbox', { name: SEARCH_LABEL });
    const idle = page.locator('#banc-champ-vide');
    const recent = page.locator('caption', { hasText: 'Patients récents' });
    // Irregular pauses between keys (deterministic), 40–110 ms, as typing and so that keys fall anywhere in a frame.
    let seed = 7;
    const pause = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 40 + (seed % 71);
    };

    // After clearing, the screen is left to finish its frames (the cleared list) before the first key, as a person would.
    const settle = async () => {
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      await sleep(pause());
    };
    const run = async (words: string[]) => {
      for (const word of words) {
        // The search box, then the same keys in the bare input: both see the same moment of the run.
        // Each field is clicked first, as one does before typing (the mouse then rests on it).
        await box.click();
        await box.fill('');
        await recent.waitFor();
        await settle();
        await typeMeasured(page, word, pause);
        await box.fill('');
        await recent.waitFor();
        await idle.click();
        await idle.fill('');
        await settle();
        await typeMeasured(page, word, pause);
      }
    };
    await run(WARMUP_WORDS);
    await page.evaluate('window.__banc.reset()');
    await run(WORDS);

    const samples = (await page.evaluate('window.__banc.samples()')) as Sample[];
    const searched = samples.filter((s) => s.kind === 'recherche');
    const idleSamples = samples.filter((s) => s.kind === 'vide');
    const keys = WORDS.join('').length;
    if (searched.length !== keys || idleSamples.length !== keys)
      throw new Error(`mesures incomplètes : ${searched.length} et ${idleSamples.length} au lieu de ${keys}`);
    await context.close();
    return {
      subject: measure(searched.map((s) => s.frame)),
      reference: measure(idleSamples.map((s) => s.frame)),
      subjectPainted: measure(searched.map((s) => s.painted)),
      referencePainted: measure(idleSamples.map((s) => s.painted)),
      steps: {
        first: median(searched.map((s) => s.first)),
        sent: median(searched.map((s) => s.sent)),
        answered: median(searched.map((s) => s.answered)),
        changed: median(searched.map((s) => s.changed)),
      },
      frames: Array.from(
        { length: Math.max(...searched.map((s) => s.frames)) },
        (_, i) => searched.filter((s) => s.frames === i + 1).length,
      ),
      seedMs,
    };
  } finally {
    await browser?.close().catch(() => undefined);
    if (host) await stopHost(host);
    const idFile = path.join(dataDir, STORE_ID_FILE);
    if (fs.existsSync(idFile)) {
      try {
        keychain.delete(`base-locale:${fs.readFileSync(idFile, 'utf8').trim()}`);
      } catch {
        console.warn(`Entrée « base-locale » du trousseau non supprimée pour ${dataDir}.`);
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
