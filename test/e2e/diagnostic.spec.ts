/**
 * The Diagnostic screen in Chromium against the real host and the e2e
 * sandboxes: from the login screen (card reader problems happen before
 * login) and from the navigation once logged in; « Relancer », « Copier le
 * rapport ». Screenshots at 1280×800 in test-results/screenshots/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { e2eUrl, openLoggedIn } from './session.js';

const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
/** The window as seen, then scrolled to each lower group (the main area scrolls, not the page). */
const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  for (const [suffix, area] of [
    ['b', 'Heure de l’ordinateur'],
    ['c', 'Ce poste (trousseau, base, disque, envois)'],
  ] as const) {
    await page.getByRole('heading', { level: 2, name: area }).evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, `${name}-${suffix}.png`) });
  }
  await page.locator('#contenu').evaluate((main) => main.scrollTo(0, 0));
};

test.use({ viewport: { width: 1280, height: 800 } });

const summary = (page: Page) => page.getByText(/Vérifié (aujourd’hui|hier|le) /);

test('before login: reachable from the login screen, nothing personal, back to login', async ({ page }) => {
  await page.goto(e2eUrl());
  await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
  // Two ways: beside the card reader's state when no card can be read, and at the bottom of the login panel.
  await expect(page.getByRole('link', { name: 'Diagnostic du poste' })).toHaveCount(2);
  await page.screenshot({ path: path.join(shots, '19-connexion-lien-diagnostic.png') });
  await page.getByRole('link', { name: 'Diagnostic du poste' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostic' })).toBeVisible();
  await expect(summary(page)).toBeVisible({ timeout: 20_000 });
  await expect(page).toHaveTitle(/^Diagnostic · Cabinet/);
  for (const area of ['Carte CPS et lecteur', 'Certificats', 'Heure de l’ordinateur', 'Services nationaux']) {
    await expect(page.getByRole('heading', { level: 2, name: area })).toBeVisible();
  }
  await expect(page.getByText('vos certificats seront vérifiés une fois connecté', { exact: false }).first()).toBeVisible();
  // The e2e sandboxes run: INSi answers over verified TLS.
  const insi = page.getByRole('listitem').filter({ hasText: 'Service INSi' });
  await expect(insi).toContainText('OK');
  await expect(page.getByRole('navigation', { name: 'Navigation principale' })).toHaveCount(0);
  await shot(page, '20-diagnostic-avant-connexion');

  await page.getByRole('link', { name: 'Retour à la connexion' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible();
});

test('logged in: from the navigation, with the practitioner’s certificate; Relancer and Copier le rapport', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLoggedIn(page);
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Diagnostic' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Diagnostic' })).toBeVisible();
  await expect(summary(page)).toBeVisible({ timeout: 20_000 });
  const certificate = page.getByRole('listitem').filter({ hasText: 'Certificat d’authentification du praticien' });
  await expect(certificate).toContainText(/valable jusqu’au/);
  await shot(page, '21-diagnostic');

  await page.getByRole('button', { name: 'Relancer' }).click();
  await expect(page.getByRole('button', { name: 'Relancer' })).toBeEnabled({ timeout: 20_000 });

  await page.getByRole('button', { name: 'Copier le rapport' }).click();
  await expect(page.getByText(/Rapport copié|copiez-le avec Ctrl\+C/)).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
  if (copied) {
    expect(copied).toMatch(/^Rapport de diagnostic Cabinet/);
    expect(copied).toContain('== Services nationaux ==');
  }
  await shot(page, '22-diagnostic-rapport-copie');
});

test('a wrong card module in Réglages is an « Échec » that says what to do', async ({ page }) => {
  await openLoggedIn(page);
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  const setModule = async (value: string) => {
    await nav.getByRole('link', { name: 'Réglages' }).click();
    const field = page.getByLabel('Module de la carte CPS (PKCS#11)');
    const previous = await field.inputValue();
    await field.fill(value);
    await field.press('Enter');
    await expect(page.getByText(/enregistré/i).first()).toBeVisible();
    return previous;
  };
  // Réglages only takes an existing file: one that is not a PKCS#11 module cannot be loaded.
  const notAModule = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-e2e-')), 'libcps_pkcs11.so');
  fs.writeFileSync(notAModule, 'pas une bibliothèque');
  const previous = await setModule(notAModule);
  try {
    await nav.getByRole('link', { name: 'Diagnostic' }).click();
    await expect(summary(page)).toBeVisible({ timeout: 20_000 });
    const module = page.getByRole('listitem').filter({ hasText: 'Module de la carte CPS' });
    await expect(module).toContainText('Échec');
    await expect(module).toContainText(notAModule);
    await expect(module).toContainText('À faire');
    await expect(page.getByText(/1 vérification en échec/)).toBeVisible();
    await shot(page, '23-diagnostic-module-introuvable');
  } finally {
    await setModule(previous);
  }
});
