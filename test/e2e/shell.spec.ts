/**
 * The French shell in Chromium, against the real browser host and services:
 * every screen, the status bar, a setting change seen in the Journal, the
 * token guard, keyboard use. Screenshots go to test-results/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { e2eUrl as url, openLoggedIn } from './session.js';
const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

const screens = [
  { nav: 'Patients', heading: 'Patients', shot: '01-patients' },
  { nav: 'Messagerie', heading: 'Messagerie', shot: '02-messagerie' },
  { nav: 'Envois', heading: 'Envois', shot: '03-envois' },
  { nav: 'Journal', heading: 'Journal d’accès', shot: '04-journal' },
  { nav: 'Réglages', heading: 'Réglages', shot: '05-reglages' },
] as const;

const nav = (page: Page) => page.getByRole('navigation', { name: 'Navigation principale' });

test('opens on the login screen, in French, and measures the cold start', async ({ page }) => {
  const started = performance.now();
  await page.goto(url());
  await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
  const firstScreenMs = Math.round(performance.now() - started);
  const hostReadyMs = Number(process.env.CABINET_E2E_HOST_READY_MS);
  const timings = { hostReadyMs, firstScreenMs, coldStartMs: hostReadyMs + firstScreenMs };
  fs.writeFileSync(path.join(shots, '..', 'timings.json'), JSON.stringify(timings, null, 2));
  console.log(`démarrage à froid : hôte prêt ${hostReadyMs} ms + premier écran ${firstScreenMs} ms`);

  await expect(page).toHaveTitle(/Cabinet/);
  expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  // The token left the address bar once read.
  expect(page.url()).not.toContain('token=');
  // Nothing of the app shows before login.
  await expect(nav(page)).toHaveCount(0);
});

test('visits every screen from the navigation', async ({ page }) => {
  await openLoggedIn(page);
  for (const screen of screens) {
    await nav(page)
      .getByRole('link', { name: screen.nav, exact: true })
      .or(nav(page).getByRole('button', { name: screen.nav, exact: true }))
      .click();
    await expect(page.getByRole('heading', { level: 1, name: screen.heading })).toBeVisible();
    // The screen has its first answer: no « Chargement… » / « Vérification en cours… » left in it.
    await expect(page.locator('#contenu').getByText(/^(Chargement|Vérification en cours)/)).toHaveCount(0);
    await shot(page, screen.shot);
  }
});

test('shows each national service and the outbox in the status bar', async ({ page }) => {
  await openLoggedIn(page);
  const bar = page.getByRole('contentinfo');
  for (const label of ['INSi', 'DMP', 'Annuaire Santé', 'Pro Santé Connect'])
    await expect(bar.getByText(label, { exact: false }).first()).toBeVisible();
  // Each service's state is said in words (the e2e set-up runs the sandboxes: « connecté »).
  await expect(bar.getByText(/connecté|indisponible|non configuré/).first()).toBeVisible({ timeout: 15_000 });
  await expect(bar.getByText(/Envois/)).toBeVisible();
});

test('a setting changed in Réglages is recorded in an intact Journal', async ({ page }) => {
  await openLoggedIn(page);
  await nav(page).getByText('Réglages', { exact: true }).click();
  const field = page.getByLabel(/Verrouillage après inactivité/);
  await field.fill('20');
  await page
    .getByRole('button', { name: /Enregistrer/ })
    .first()
    .click();
  await expect(page.getByText(/enregistré/i).first()).toBeVisible();
  await shot(page, '06-reglages-enregistre');

  await nav(page).getByText('Journal', { exact: true }).click();
  await expect(page.getByRole('cell', { name: /session\.inactivityMinutes/ }).first()).toBeVisible();
  await page.getByRole('button', { name: 'Vérifier maintenant' }).click();
  await expect(page.getByText(/Intégrité du journal vérifiée : \d+ entrées, chaîne intacte/)).toBeVisible();
  await shot(page, '07-journal-verifie');
});

test('the bridge refuses a connection without the token', async ({ page, browser }) => {
  await openLoggedIn(page);
  const origin = new URL(url()).origin;
  const outcome = await page.evaluate(
    (bridge) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(bridge, ['cabinet.v1']);
        ws.onopen = () => resolve('ouvert');
        ws.onerror = () => resolve('refusé');
      }),
    `${origin.replace('http', 'ws')}/bridge`,
  );
  expect(outcome).toBe('refusé');

  // A fresh tab without the token shows a French explanation, not a blank page.
  const context = await browser.newContext();
  const stranger = await context.newPage();
  await stranger.goto(`${origin}/`);
  await expect(stranger.getByText(/jeton/i).first()).toBeVisible();
  await shot(stranger, '08-sans-jeton');
  await context.close();
});

test('is usable from the keyboard', async ({ page }) => {
  await openLoggedIn(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: /Aller au contenu/ });
  await expect(skip).toBeFocused();
  // Every navigation entry is reachable with Tab and shows a focus ring.
  let reached = 0;
  for (let i = 0; i < 15 && reached < screens.length; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() =>
      document.activeElement?.closest('nav') ? (document.activeElement?.textContent?.trim() ?? '') : '',
    );
    if (screens.some((s) => name.startsWith(s.nav))) {
      reached += 1;
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      expect(outline).not.toBe('none');
      if (name.startsWith('Envois')) {
        await page.keyboard.press('Enter');
        await expect(page.getByRole('heading', { level: 1, name: 'Envois' })).toBeVisible();
        break;
      }
    }
  }
  expect(reached).toBeGreaterThanOrEqual(3);
});
