/**
 * « Imprimer pour le patient »: the PDF is A4, has the cover, the document's
 * own page and the « Votre espace santé » page, survives unreadable inputs,
 * and is rendered to PNG with pdftoppm (Poppler, an independent reader) —
 * the images are kept in test-results/paper/ to be looked at.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { buildPatientSheet, type SheetInput } from './sheet.js';

async function consultationPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.28, 841.89]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText('Compte rendu de consultation du 23/11/2026', { x: 56, y: 770, size: 16, font });
  page.drawText('Tension artérielle normale. Contrôle dans trois mois.', { x: 56, y: 740, size: 12, font });
  return doc.save();
}

const base = async (): Promise<SheetInput> => ({
  patient: {
    name: 'Dominique ADRTROIS',
    birthName: 'ADRTROIS',
    firstNames: 'DOMINIQUE',
    sex: 'F',
    birthDate: '01/01/1960',
    birthplace: '75056',
    ins: '2 60 01 75 056 001 — 42 (identité qualifiée)',
    status: 'identité qualifiée',
  },
  practitioner: 'Dr Marie MARTIN',
  printedOn: '23/11/2026',
  documents: [
    {
      title: 'Compte rendu de consultation',
      date: '23/11/2026',
      route: 'DMP (Mon espace santé) — en attente',
      pdf: await consultationPdf(),
    },
    { title: 'Message « Résultats »', date: '23/11/2026', route: 'Messagerie de Mon espace santé — échec', pdf: null },
  ],
  espaceSante: true,
});

function pdftoppm(): boolean {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('buildPatientSheet', () => {
  it('builds cover + the document’s own page + « Votre espace santé », A4', async () => {
    const { bytes, pages, problems } = await buildPatientSheet(await base());
    expect(problems).toEqual([]);
    expect(pages).toBe(3);
    const read = await PDFDocument.load(bytes);
    for (const page of read.getPages()) expect(page.getSize()).toEqual({ width: 595.28, height: 841.89 });
    expect(read.getTitle()).toBe('Documents remis à Dominique ADRTROIS');
  });

  it('leaves out the espace santé page when it is not involved, and never crashes on an unreadable PDF or odd characters', async () => {
    const input = await base();
    const { pages, problems } = await buildPatientSheet({
      ...input,
      patient: { ...input.patient, name: 'Zoë ŁUKASZ 😀', birthName: 'ŁUKASZ' },
      documents: [
        { title: 'Ordonnance', date: '23/11/2026', route: 'Messagerie sécurisée — remis', pdf: Buffer.from('%PDF-1.7\npas un pdf\n%%EOF') },
      ],
      espaceSante: false,
    });
    expect(pages).toBe(1);
    expect(problems).toEqual(['Le document « Ordonnance » n’a pas pu être joint (PDF illisible ou protégé).']);
  });

  it.skipIf(!pdftoppm())('renders to PNG with pdftoppm, one image per page', async () => {
    const { bytes, pages } = await buildPatientSheet(await base());
    const dir = path.resolve('test-results', 'paper');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'fiche-patient.pdf');
    fs.writeFileSync(file, bytes);
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.png')) fs.rmSync(path.join(dir, f));
    execFileSync('pdftoppm', ['-r', '60', '-gray', '-png', file, path.join(dir, 'fiche')]);
    const images = fs.readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(images).toHaveLength(pages);
    for (const image of images) expect(fs.statSync(path.join(dir, image)).size).toBeGreaterThan(2000);
  });
});
