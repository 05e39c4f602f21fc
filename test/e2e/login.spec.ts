/**
 * Practitioner login in Chromium against the real host: software certificate
 * (refusals in French, then success), the identity shown, lock and unlock,
 * logout, and e-CPS through the Pro Santé Connect sandbox. Ends logged out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { drMarieMartin } from '../../sandboxes/psc/practitioners.js';
import { e2eUrl, loginWithCertificate, pkiFile } from './session.js';

const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const loginHeading = (page: Page) => page.getByRole('heading', { level: 1, name: 'Connexion' });
const nav = (page: Page) => page.getByRole('navigation', { name: 'Navigation principale' });

test.describe.configure({ mode: 'serial' });

test('refuses a wrong password and a revoked card in French, then logs the GP in', async ({ page }) => {
  await page.goto(e2eUrl());
  await expect(loginHeading(page)).toBeVisible();
  await shot(page, '10-connexion-carte');

  await loginWithCertificate(page, pkiFile('cartes/medecin-martin.p12'), 'mauvais');
  await expect(page.getByRole('alert').filter({ hasText: 'Mot de passe du certificat incorrect' })).toBeVisible();
  await expect(page.getByLabel('Mot de passe du certificat')).toHaveValue('');
  await shot(page, '11-connexion-mot-de-passe-faux');

  await loginWithCertificate(page, pkiFile('cartes/revoque-durand.p12'));
  await expect(page.getByRole('alert').filter({ hasText: /révoqué/ })).toBeVisible();
  await shot(page, '12-connexion-carte-revoquee');

  await loginWithCertificate(page, pkiFile('cartes/medecin-martin.p12'));
  await expect(nav(page)).toBeVisible();
  await expect(page.getByText('Dr Marie MARTIN').first()).toBeVisible();
  await expect(page.getByRole('contentinfo').getByText('899701000012')).toBeVisible();
  await shot(page, '13-connecte');
});

test('locks, refuses a wrong password, unlocks with the right one', async ({ page }) => {
  await page.goto(e2eUrl());
  await expect(nav(page)).toBeVisible();
  await page.getByRole('button', { name: 'Verrouiller', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Session verrouillée' })).toBeVisible();
  await expect(nav(page)).toHaveCount(0);
  await page.getByLabel('Mot de passe du certificat').fill('mauvais');
  await page.getByRole('button', { name: 'Déverrouiller' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Mot de passe du certificat incorrect' })).toBeVisible();
  await shot(page, '14-verrouille');
  await page.getByLabel('Mot de passe du certificat').fill('cabinet-test');
  await page.getByRole('button', { name: 'Déverrouiller' }).click();
  await expect(nav(page)).toBeVisible();
});

test('logs out back to the login screen', async ({ page }) => {
  await page.goto(e2eUrl());
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(loginHeading(page)).toBeVisible();
  await expect(nav(page)).toHaveCount(0);
});

test('logs in with e-CPS after approval on the phone', async ({ page }) => {
  await page.goto(e2eUrl());
  await page.getByRole('radio', { name: 'e-CPS' }).check();
  await page.getByLabel(/Identifiant national/).fill(drMarieMartin.idNatPs);
  await page.getByRole('button', { name: 'Se connecter avec e-CPS' }).click();
  await expect(page.getByRole('heading', { name: 'Validez la connexion dans l’application e-CPS sur votre téléphone' })).toBeVisible();
  await shot(page, '15-ecps-attente');
  // The sandbox "phone" approves after 2.5 s.
  await expect(nav(page)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(/e-CPS/).first()).toBeVisible();
  await shot(page, '16-connecte-ecps');
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(loginHeading(page)).toBeVisible();
});
