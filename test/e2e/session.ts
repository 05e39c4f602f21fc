/** Logging in from the end-to-end tests, as a practitioner would, with the test PKI's .p12. */
import path from 'node:path';
import { expect, type Page } from '@playwright/test';

export const e2eUrl = (): string => {
  const value = process.env.CABINET_E2E_URL;
  if (!value) throw new Error('CABINET_E2E_URL absent : global-setup n’a pas démarré l’hôte');
  return value;
};

export const pkiFile = (relative: string): string => {
  const dir = process.env.CABINET_E2E_PKI_DIR;
  if (!dir) throw new Error('CABINET_E2E_PKI_DIR absent');
  return path.join(dir, relative);
};

export const P12_PASSWORD = 'cabinet-test';

export async function loginWithCertificate(page: Page, file = pkiFile('cartes/medecin-martin.p12'), password = P12_PASSWORD): Promise<void> {
  await page.getByRole('radio', { name: 'Certificat logiciel' }).check();
  await page.getByLabel('Fichier du certificat (.p12 ou .pfx)').setInputFiles(file);
  await page.getByLabel('Mot de passe du certificat').fill(password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
}

/** Opens Cabinet, logging in first if the session is closed. */
export async function openLoggedIn(page: Page): Promise<void> {
  await page.goto(e2eUrl());
  const login = page.getByRole('heading', { level: 1, name: 'Connexion' });
  const app = page.getByRole('navigation', { name: 'Navigation principale' });
  await expect(login.or(app)).toBeVisible();
  if (await login.isVisible()) {
    await loginWithCertificate(page);
    await expect(app).toBeVisible();
  }
}
