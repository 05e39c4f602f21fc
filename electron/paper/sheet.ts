/**
 * « Imprimer pour le patient » (issue 15): one PDF the browser or Electron
 * prints as is — A4, black on white (readable in black and white), standard
 * PDF fonts (nothing to embed, no network): the patient's identity block,
 * the documents' titles and dates and where each went, the documents
 * themselves (their own pages, copied), and, when the patient's Mon espace
 * santé is involved, the one-page « Votre espace santé » sheet in plain
 * French. Built with pdf-lib (README « Libraries, and why »).
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

export interface SheetPatient {
  name: string;
  birthName: string;
  firstNames: string;
  sex: string;
  birthDate: string;
  birthplace: string | null;
  /** Formatted INS with its status (« qualifiée »), or null. */
  ins: string | null;
  status: string;
}

export interface SheetDocument {
  title: string;
  /** Civil date « JJ/MM/AAAA ». */
  date: string;
  /** Where it went and its state, e.g. « DMP (Mon espace santé) — en attente d’envoi ». */
  route: string;
  /** The document itself (its pages are copied), when this post holds it. */
  pdf: Uint8Array | null;
}

export interface SheetInput {
  patient: SheetPatient;
  practitioner: string;
  /** The practice's date of printing, « JJ/MM/AAAA ». */
  printedOn: string;
  documents: SheetDocument[];
  /** Mon espace santé involved (DMP feed or mail to the patient's address): adds the explanation page. */
  espaceSante: boolean;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.35, 0.35, 0.35);

/** Characters the standard fonts (WinAnsi) cannot draw are replaced, never a crash. */
function drawable(font: PDFFont, text: string): string {
  let out = '';
  for (const ch of text.replace(/[\u202f\u00a0\u2009]/g, ' ')) {
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      out += '?';
    }
  }
  return out;
}

function wrap(font: PDFFont, text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of drawable(font, text).split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) > width && line) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    lines.push(line);
  }
  return lines;
}

class Writer {
  y: number;
  constructor(
    readonly page: PDFPage,
    readonly fonts: { regular: PDFFont; bold: PDFFont },
  ) {
    this.y = A4[1] - MARGIN;
  }
  text(text: string, options: { size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; indent?: number; gap?: number } = {}): void {
    const size = options.size ?? 11;
    const font = options.bold ? this.fonts.bold : this.fonts.regular;
    const indent = options.indent ?? 0;
    for (const line of wrap(font, text, size, A4[0] - 2 * MARGIN - indent)) {
      this.page.drawText(line, { x: MARGIN + indent, y: this.y - size, size, font, color: options.color ?? BLACK });
      this.y -= size * 1.35;
    }
    this.y -= options.gap ?? 4;
  }
  rule(): void {
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: A4[0] - MARGIN, y: this.y }, thickness: 0.8, color: BLACK });
    this.y -= 10;
  }
  box(lines: [string, string][]): void {
    const top = this.y;
    this.y -= 8;
    for (const [label, value] of lines) {
      const size = 11;
      this.page.drawText(drawable(this.fonts.bold, label), { x: MARGIN + 10, y: this.y - size, size, font: this.fonts.bold, color: BLACK });
      this.page.drawText(drawable(this.fonts.regular, value), {
        x: MARGIN + 150,
        y: this.y - size,
        size,
        font: this.fonts.regular,
        color: BLACK,
      });
      this.y -= size * 1.5;
    }
    this.y -= 6;
    this.page.drawRectangle({
      x: MARGIN,
      y: this.y,
      width: A4[0] - 2 * MARGIN,
      height: top - this.y,
      borderColor: BLACK,
      borderWidth: 1.2,
    });
    this.y -= 14;
  }
}

function footer(page: PDFPage, font: PDFFont, text: string): void {
  page.drawText(drawable(font, text), { x: MARGIN, y: 30, size: 8.5, font, color: GREY });
}

/** The « Votre espace santé » page: what it is, how to open it, how the messaging works — for a patient who never heard of it. */
function espaceSantePage(doc: PDFDocument, fonts: { regular: PDFFont; bold: PDFFont }, input: SheetInput): void {
  const w = new Writer(doc.addPage(A4), fonts);
  w.text('Votre espace santé', { size: 22, bold: true, gap: 2 });
  w.text(`Fiche remise à ${input.patient.name} le ${input.printedOn}`, { size: 10, color: GREY, gap: 8 });
  w.rule();
  w.text('Ce que votre professionnel de santé a partagé', { size: 13, bold: true });
  const shared = input.documents.filter((d) => /espace santé|DMP|messagerie/i.test(d.route));
  for (const d of shared.length ? shared : input.documents) w.text(`•  ${d.title} (${d.date}) : ${d.route}`, { indent: 8, gap: 1 });
  w.y -= 6;
  w.text('C’est quoi ?', { size: 13, bold: true });
  w.text(
    'Mon espace santé est votre carnet de santé numérique, gratuit, proposé par l’Assurance Maladie. Vos médecins, infirmiers et pharmaciens peuvent y déposer vos documents (comptes rendus, ordonnances, résultats) et vous écrire par une messagerie sécurisée. Vous seul(e) et les professionnels qui vous soignent y ont accès.',
  );
  w.text('Comment l’ouvrir ?', { size: 13, bold: true });
  w.text(
    '1.  Sur un ordinateur : allez sur le site monespacesante.fr. Sur un téléphone : installez l’application « Mon espace santé » (App Store ou Google Play).',
    { indent: 8, gap: 1 },
  );
  w.text('2.  Cliquez sur « Activer mon profil ». Munissez-vous de votre carte Vitale et de votre numéro de sécurité sociale.', {
    indent: 8,
    gap: 1,
  });
  w.text('3.  Choisissez votre mot de passe. Ensuite, connectez-vous quand vous voulez pour lire vos documents.', { indent: 8, gap: 6 });
  w.text('La messagerie de santé', { size: 13, bold: true });
  w.text(
    '•  Seul un professionnel de santé peut commencer une conversation avec vous. Vous pouvez lui répondre tant qu’il ne l’a pas fermée.',
    { indent: 8, gap: 1 },
  );
  w.text('•  Une conversation fermée ne peut plus recevoir de réponse : pour reprendre contact, appelez le cabinet.', {
    indent: 8,
    gap: 1,
  });
  w.text('•  Vous êtes prévenu(e) par courriel quand un nouveau message ou document arrive.', { indent: 8, gap: 6 });
  w.text('Et si vous ne souhaitez pas l’utiliser ?', { size: 13, bold: true });
  w.text(
    'Ce n’est pas obligatoire. Ce papier contient déjà les informations importantes. Vous pouvez fermer votre espace santé à tout moment, sur le site ou par téléphone au 3422.',
  );
  w.text('Besoin d’aide ?', { size: 13, bold: true });
  w.text(
    'Appelez le 3422, le service téléphonique de Mon espace santé (Assurance Maladie), ou demandez au cabinet lors de votre prochaine visite.',
  );
  footer(w.page, fonts.regular, `Votre espace santé — ${input.patient.name} — remis par ${input.practitioner} le ${input.printedOn}`);
}

export async function buildPatientSheet(input: SheetInput): Promise<{ bytes: Uint8Array; pages: number; problems: string[] }> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Documents remis à ${input.patient.name}`);
  doc.setLanguage('fr-FR');
  doc.setProducer('Cabinet');
  doc.setCreator('Cabinet');
  const fonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  const problems: string[] = [];

  // Page 1: who, what, where it went.
  const w = new Writer(doc.addPage(A4), fonts);
  w.text('Documents remis au patient', { size: 20, bold: true, gap: 2 });
  w.text(`Remis le ${input.printedOn} par ${input.practitioner}`, { size: 10, color: GREY, gap: 10 });
  w.box([
    ['Nom de naissance', input.patient.birthName],
    ['Prénom(s)', input.patient.firstNames],
    ['Sexe', input.patient.sex === 'F' ? 'Féminin' : input.patient.sex === 'M' ? 'Masculin' : input.patient.sex],
    ['Date de naissance', input.patient.birthDate],
    ['Lieu de naissance', input.patient.birthplace ?? '—'],
    ['INS', input.patient.ins ?? 'non qualifiée (aucun partage électronique)'],
    ['Identité', input.patient.status],
  ]);
  w.text(`Documents (${input.documents.length})`, { size: 14, bold: true, gap: 6 });
  if (input.documents.length === 0) w.text('Aucun document partagé pour ce patient sur ce poste.', { color: GREY });
  for (const [i, d] of input.documents.entries()) {
    if (w.y < 90) break;
    w.text(`${i + 1}.  ${d.title}`, { bold: true, gap: 0 });
    w.text(`Date : ${d.date}   —   ${d.route}${d.pdf ? '' : '   (document non joint : non conservé sur ce poste)'}`, {
      size: 10,
      indent: 18,
      color: GREY,
      gap: 6,
    });
  }
  if (input.espaceSante) {
    w.y -= 6;
    w.text('La dernière page explique Mon espace santé : ce qui y a été partagé, comment l’ouvrir et comment fonctionne la messagerie.', {
      size: 10,
    });
  }
  footer(w.page, fonts.regular, `${input.patient.name} — né(e) le ${input.patient.birthDate} — page de garde`);

  // The documents themselves, their own pages.
  for (const d of input.documents) {
    if (!d.pdf) continue;
    try {
      const source = await PDFDocument.load(d.pdf, { ignoreEncryption: false, updateMetadata: false });
      const pages = await doc.copyPages(source, source.getPageIndices().slice(0, 200));
      for (const p of pages) doc.addPage(p);
    } catch {
      problems.push(`Le document « ${d.title} » n’a pas pu être joint (PDF illisible ou protégé).`);
    }
  }

  if (input.espaceSante) espaceSantePage(doc, fonts, input);
  const bytes = await doc.save();
  return { bytes, pages: doc.getPageCount(), problems };
}
