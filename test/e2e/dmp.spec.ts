/**
 * The DMP panel of the patient screen in Chromium, against the real host
 * and the DMP sandbox (mutual TLS, VIHF, XDS.b): consult a seeded patient's
 * DMP (a level-3 CDA rendered safely, a level-1 PDF drawn by pdf.js), feed a
 * PDF through the outbox, mask it from other professionals, and a bris de
 * glace with its mandatory reason and the red banner. Screenshots in
 * test-results/screenshots/3x-dmp-*.png; timings in test-results/dmp-timings.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openLoggedIn, openQualifiedPatient, type PatientTraits } from './session.js';

const results = path.resolve(import.meta.dirname, '..', '..', 'test-results');
const shots = path.join(results, 'screenshots');
fs.mkdirSync(shots, { recursive: true });
/** The app scrolls inside its main area: bring the DMP panel (or what is given) to the top, then capture the window. */
async function shot(page: Page, name: string, scrollTo: 'panel' | 'none' = 'panel'): Promise<void> {
  if (scrollTo === 'panel')
    await page.getByRole('heading', { level: 2, name: 'DMP (Mon espace santé)' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}
test.use({ viewport: { width: 1280, height: 1000 } });
const timings: Record<string, number | string> = {};

/** A one-page PDF with a line of text (Helvetica), offsets computed: pdf.js opens it without repair. */
function makePdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const DOMINIQUE: PatientTraits = { nom: 'ADRTROIS', prenom: 'DOMINIQUE', sexe: 'Féminin', jour: '26', mois: '02', annee: '1997' };
const ZOE: PatientTraits = { nom: 'ADRUN', prenom: 'ZOE', sexe: 'Féminin', jour: '31', mois: '12', annee: '1975' };

/**
 * The DMP needs the structure's identifier and the doctor's specialty (the card carries neither):
 * set them once in Réglages; they are read at login, so log in again after a change.
 */
async function ensureStructure(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByText('Réglages', { exact: true }).click();
  let changed = false;
  for (const [label, value] of [
    ['Identifiant de la structure', 'R99701'],
    ['Spécialité (code ordinal, ex. SM26)', 'SM26'],
  ] as const) {
    const field = page.getByLabel(label);
    await expect(field).toBeVisible();
    if ((await field.inputValue()).trim() !== '') continue;
    await field.fill(value);
    await field.press('Enter');
    await expect(page.getByRole('button', { name: 'Enregistrement…' })).toHaveCount(0);
    changed = true;
  }
  if (changed) {
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await openLoggedIn(page);
  }
}

const dmpSection = (page: Page) => page.getByRole('region', { name: 'DMP (Mon espace santé)' });
const documents = (page: Page) => dmpSection(page).getByRole('table', { name: 'Documents du DMP, du plus récent au plus ancien' });

test.describe.configure({ mode: 'serial' });

test('consults a DMP: status, newest documents, a level-3 CDA and a level-1 PDF', async ({ page }) => {
  await openLoggedIn(page);
  await ensureStructure(page);
  await openQualifiedPatient(page, DOMINIQUE);
  await expect(page.getByRole('heading', { level: 2, name: 'DMP (Mon espace santé)' })).toBeVisible();
  const dmp = dmpSection(page);
  await expect(dmp.getByText(/^Accès autorisé jusqu’au \d\d\/\d\d\/\d{4}$/)).toBeVisible({ timeout: 20_000 });
  await expect(dmp.getByText('Vous êtes son médecin traitant DMP.')).toBeVisible();
  await expect(documents(page).getByRole('row')).toHaveCount(6, { timeout: 20_000 }); // header + 5 documents (the masked one of another author is not shown)
  await expect(dmp.getByText(/^Données du \d\d\/\d\d à \d\d:\d\d$/)).toBeVisible();
  const measure = await page.evaluate(() => performance.getEntriesByName('dmp-liste').map((e) => e.duration));
  if (measure[0] !== undefined) timings.dmpListFirstPaintMs = Math.round(measure[0]);
  await shot(page, '30-dmp-liste');

  // Level 3: sections and tables rendered as elements, nothing from the document as HTML.
  await documents(page)
    .getByRole('button', { name: /^Lettre de liaison à la sortie/ })
    .click();
  const viewer = page.getByRole('dialog');
  await expect(viewer.getByRole('article')).toBeVisible({ timeout: 15_000 });
  await expect(viewer.getByRole('heading', { level: 3 }).first()).toBeVisible();
  await expect(viewer.getByRole('table').first()).toBeVisible();
  expect(await viewer.locator('script, iframe, img, a[href], object, embed').count()).toBe(0);
  await shot(page, '31-dmp-cda-n3', 'none');
  await viewer.getByRole('button', { name: 'Fermer' }).first().click();
  await expect(viewer).toBeHidden();

  // Level 1: the PDF inside the CDA, drawn by pdf.js (worker from the app's origin, strict CSP).
  const cspErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) cspErrors.push(message.text());
  });
  await documents(page)
    .getByRole('button', { name: /^Compte rendu d.examens biologiques$/ })
    .click();
  await expect(viewer.getByRole('img', { name: /^Page 1 sur \d+$/ })).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(
      async () =>
        viewer
          .locator('canvas')
          .first()
          .evaluate((canvas: HTMLCanvasElement) => canvas.width * canvas.height),
      { timeout: 10_000 },
    )
    .toBeGreaterThan(10_000);
  // pdf.js has drawn the page (dark pixels of its text on the canvas), not merely sized the canvas.
  await expect
    .poll(
      async () =>
        viewer
          .locator('canvas')
          .first()
          .evaluate((canvas: HTMLCanvasElement) => {
            const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
            let dark = 0;
            for (let i = 0; i < pixels.length; i += 4) if ((pixels[i] ?? 255) < 128 && (pixels[i + 3] ?? 0) > 0) dark += 1;
            return dark;
          }),
      { timeout: 10_000 },
    )
    .toBeGreaterThan(0);
  await shot(page, '32-dmp-pdf-n1', 'none');
  expect(cspErrors).toEqual([]);
  await viewer.getByRole('button', { name: 'Fermer' }).first().click();
});

test('feeds a PDF through the outbox, then masks it from other professionals', async ({ page }) => {
  await openLoggedIn(page);
  await ensureStructure(page);
  await openQualifiedPatient(page, DOMINIQUE);
  await expect(page.getByRole('heading', { level: 2, name: 'DMP (Mon espace santé)' })).toBeVisible();
  const dmp = dmpSection(page);
  await expect(documents(page)).toBeVisible({ timeout: 20_000 });
  // Second opening: the newest documents come from the encrypted cache while the DMP is asked again.
  const cached = await page.evaluate(() => performance.getEntriesByName('dmp-liste').map((e) => e.duration));
  if (cached[0] !== undefined) timings.dmpListCachedFirstPaintMs = Math.round(cached[0]);

  await dmp.getByRole('button', { name: 'Ajouter un document au DMP' }).click();
  await dmp.getByLabel('PDF à envoyer au DMP').setInputFiles({
    name: 'consultation-e2e.pdf',
    mimeType: 'application/pdf',
    buffer: makePdf('Consultation du jour - essai de bout en bout'),
  });
  await expect(dmp.getByText('consultation-e2e.pdf')).toBeVisible();
  await dmp.getByLabel('Type de document').selectOption('11488-4');
  const title = `Consultation e2e ${Date.now()}`;
  await dmp.getByLabel('Titre', { exact: true }).fill(title);
  await shot(page, '33-dmp-alimenter');
  await dmp.getByRole('button', { name: 'Vérifier avant l’envoi' }).click();
  await expect(dmp.getByRole('heading', { name: 'Vérifiez avant l’envoi' })).toBeVisible({ timeout: 20_000 });
  await expect(dmp.getByText('CR ou fiche de consultation ou de visite (11488-4)')).toBeVisible();
  await dmp.getByRole('button', { name: 'Envoyer au DMP' }).scrollIntoViewIfNeeded();
  await shot(page, '34-dmp-apercu', 'none');

  const sent = Date.now();
  await dmp.getByRole('button', { name: 'Envoyer au DMP' }).click();
  const feed = dmp.getByRole('listitem').filter({ hasText: title });
  await expect(feed).toBeVisible();
  await expect(feed.getByText('Envoyé au DMP')).toBeVisible({ timeout: 30_000 });
  await expect(dmp.getByText(`« ${title} » est dans le DMP.`)).toBeVisible();
  timings.feedToSentMs = Date.now() - sent;
  const row = documents(page).getByRole('row').filter({ hasText: title });
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row.getByText('Vous êtes l’auteur')).toBeVisible();
  await shot(page, '35-dmp-envoye');

  // Mask it from other professionals (own document: « Gérer »).
  await row.getByRole('button', { name: `Gérer « ${title} »` }).click();
  const dialog = page.getByRole('dialog', { name: `Gérer « ${title} »` });
  await dialog.getByRole('checkbox', { name: 'Masquer aux autres professionnels' }).check();
  await dialog.getByRole('button', { name: 'Enregistrer la visibilité' }).click();
  await expect(dialog.getByText('Document masqué aux autres professionnels.')).toBeVisible({ timeout: 15_000 });
  await shot(page, '36-dmp-masquer', 'none');
  await dialog.getByRole('button', { name: 'Fermer' }).last().click();
  await expect(row.getByText('Masqué aux professionnels')).toBeVisible();
  // The filter finds it among the masked documents.
  await dmp.getByLabel('Visibilité', { exact: true }).selectOption('masquees_ps');
  await expect(documents(page).getByRole('row').filter({ hasText: title })).toBeVisible();
  await shot(page, '37-dmp-masque-filtre');
});

test('bris de glace: a reason is required, then a red banner stays while it lasts', async ({ page }) => {
  await openLoggedIn(page);
  await ensureStructure(page);
  await openQualifiedPatient(page, ZOE);
  await expect(page.getByRole('heading', { level: 2, name: 'DMP (Mon espace santé)' })).toBeVisible();
  const dmp = dmpSection(page);
  await expect(dmp.getByText('Autorisation d’accès expirée')).toBeVisible({ timeout: 20_000 });
  await expect(dmp.getByRole('button', { name: 'Ajouter l’autorisation' })).toBeVisible();
  await shot(page, '38-dmp-autorisation-expiree');

  await dmp.getByRole('button', { name: 'Accès en urgence (bris de glace)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Accès en urgence (bris de glace)' });
  await dialog.getByRole('button', { name: 'Accéder au DMP en urgence' }).click();
  await expect(dialog.getByText(/Indiquez la raison/)).toBeVisible();
  await expect(dialog.getByLabel('Raison de l’accès en urgence (obligatoire)')).toBeFocused();
  await dialog
    .getByLabel('Raison de l’accès en urgence (obligatoire)')
    .fill('Patiente inconsciente aux urgences, recherche des traitements en cours');
  await shot(page, '39-dmp-bris-de-glace-raison', 'none');
  await dialog.getByRole('button', { name: 'Accéder au DMP en urgence' }).click();

  await expect(dmp.getByText(/^Accès en urgence \(bris de glace\) en cours depuis/)).toBeVisible({ timeout: 15_000 });
  await expect(dmp.getByText(/Raison enregistrée : « Patiente inconsciente aux urgences/)).toBeVisible();
  await expect(documents(page).getByRole('row')).not.toHaveCount(1, { timeout: 20_000 });
  await expect(documents(page).getByRole('row')).toHaveCount(2); // header + the prescription of another author
  await shot(page, '40-dmp-bris-de-glace-bandeau');
});

test.afterAll(async ({ browser }) => {
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(
    path.join(results, 'dmp-timings.json'),
    JSON.stringify({ ...timings, dmpSandboxSeedMs: process.env.CABINET_E2E_DMP_SEED_MS ?? null }, null, 2),
  );
  // Leave the shared session logged out, as the next spec expects.
  const page = await browser.newPage();
  await openLoggedIn(page);
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.close();
});
