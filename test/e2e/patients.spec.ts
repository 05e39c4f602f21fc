/**
 * « Identifier un patient » in Chromium against the real host and the INSi
 * sandbox: traits with inline errors → INSi → entered vs returned → accept
 * (RECUP) → identity document → QUAL; the patient then appears in the list
 * with its badge and INS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openLoggedIn } from './session.js';

const shots = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

test('identifies a patient with INSi up to a qualified identity', async ({ page }) => {
  await openLoggedIn(page);
  await page.getByRole('link', { name: 'Identifier un patient' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Identifier un patient' })).toBeVisible();

  // Inline validation in French before anything is sent.
  await page.getByLabel('Nom de naissance').fill('Adr3');
  await page.getByLabel('Prénoms').click();
  await expect(page.getByText(/caractère|chiffre/i).first()).toBeVisible();
  await shot(page, '20-identifier-erreur');

  await page.getByLabel('Nom de naissance').fill('Adrtrois');
  // ADRTROIS Toussaint (CNAM test identity, born in Corsica): the DMP spec qualifies ADRTROIS Dominique on the same host.
  await page.getByLabel('Prénoms').fill('Toussaint');
  await page.getByRole('radio', { name: 'Masculin' }).check();
  await page.getByLabel('Jour', { exact: true }).fill('01');
  await page.getByLabel('Mois', { exact: true }).fill('01');
  await page.getByLabel('Année').fill('1960');
  await page.getByRole('button', { name: 'Interroger INSi' }).click();

  await expect(page.getByRole('heading', { name: 'Étape 2 sur 3 : Résultat INSi' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('Identité trouvée par INSi').first()).toBeVisible();
  await expect(page.getByRole('table', { name: 'Traits saisis et traits renvoyés par INSi' })).toBeVisible();
  await shot(page, '21-identifier-resultat');
  const confirm = page.getByRole('checkbox', { name: /J’ai vérifié les traits/ });
  if (await confirm.count()) await confirm.check();
  await page.getByRole('button', { name: 'Accepter l’identité INSi' }).click();

  await expect(page.getByRole('heading', { name: 'Étape 3 sur 3 : Pièce d’identité contrôlée' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Pièce d’identité présentée' }).selectOption('CN');
  await page.getByRole('button', { name: 'Enregistrer le contrôle de la pièce' }).click();
  await expect(page.getByText('Identité qualifiée : l’INS peut être utilisé pour le DMP et la messagerie.')).toBeVisible();
  await shot(page, '22-identifier-qualifiee');

  await page.getByRole('link', { name: 'Ouvrir la fiche du patient' }).click();
  await expect(page.getByRole('heading', { name: 'Historique du statut' })).toBeVisible();
  await expect(
    page
      .getByRole('table', { name: 'Historique du statut de l’identité' })
      .getByText(/qualifiée/)
      .first(),
  ).toBeVisible();
  await shot(page, '23-fiche-patient');

  await page.getByRole('navigation', { name: 'Navigation principale' }).getByText('Patients', { exact: true }).click();
  await page.getByRole('searchbox', { name: 'Rechercher un patient — nom, prénom, date de naissance ou INS' }).fill('adrtr');
  await expect(page.getByRole('link', { name: /^ADRTROIS/ }).first()).toBeVisible();
  await expect(page.getByText(/qualifiée/i).first()).toBeVisible();
  await shot(page, '24-liste-patients');
});

test.afterAll(async ({ browser }) => {
  // Leave the shared session logged out, as the next spec expects.
  const page = await browser.newPage();
  await openLoggedIn(page);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.close();
});
