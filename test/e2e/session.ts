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

export async function loginWithCertificate(
  page: Page,
  file = pkiFile('cartes/medecin-martin.p12'),
  password = P12_PASSWORD,
): Promise<void> {
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

/** A CNAM test identity as typed in « Identifier un patient ». */
export interface PatientTraits {
  nom: string;
  prenom: string;
  sexe: 'Féminin' | 'Masculin';
  jour: string;
  mois: string;
  annee: string;
}

/** Opens the patient's page: from the list when already identified (another spec may have done it), else through INSi up to QUAL. */
export async function openQualifiedPatient(page: Page, who: PatientTraits): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Navigation principale' });
  await nav.getByText('Patients', { exact: true }).click();
  await page
    .getByRole('searchbox', { name: 'Rechercher un patient — nom, prénom, date de naissance ou INS' })
    .fill(`${who.nom} ${who.prenom}`.toLowerCase());
  const link = page.getByRole('link', { name: new RegExp(`^${who.nom}\\s+${who.prenom}`, 'i') });
  const empty = page.getByText(/Aucun patient/i).first();
  await expect(link.first().or(empty)).toBeVisible();
  if (await link.count()) {
    await link.first().click();
  } else {
    await page.getByRole('link', { name: 'Identifier un patient' }).first().click();
    await page.getByLabel('Nom de naissance').fill(who.nom);
    await page.getByLabel('Prénoms').fill(who.prenom);
    await page.getByRole('radio', { name: who.sexe }).check();
    await page.getByLabel('Jour', { exact: true }).fill(who.jour);
    await page.getByLabel('Mois', { exact: true }).fill(who.mois);
    await page.getByLabel('Année').fill(who.annee);
    await page.getByRole('button', { name: 'Interroger INSi' }).click();
    await expect(page.getByRole('heading', { name: 'Étape 2 sur 3 : Résultat INSi' })).toBeVisible({ timeout: 15_000 });
    const confirm = page.getByRole('checkbox', { name: /J’ai vérifié les traits/ });
    if (await confirm.count()) await confirm.check();
    await page.getByRole('button', { name: 'Accepter l’identité INSi' }).click();
    await page.getByRole('combobox', { name: 'Pièce d’identité présentée' }).selectOption('CN');
    await page.getByRole('button', { name: 'Enregistrer le contrôle de la pièce' }).click();
    await expect(page.getByText('Identité qualifiée : l’INS peut être utilisé pour le DMP et la messagerie.')).toBeVisible();
    await page.getByRole('link', { name: 'Ouvrir la fiche du patient' }).click();
  }
  await expect(page.getByRole('heading', { name: 'Historique du statut' })).toBeVisible();
}
