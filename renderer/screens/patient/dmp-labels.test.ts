import { describe, expect, it } from 'vitest';
import {
  accessAdvice,
  bytesToBase64,
  cacheAgeLine,
  dateProblem,
  documentDate,
  documentTypes,
  isCabinetOutage,
  pdfProblem,
  reasonProblem,
  sizeLabel,
  titleFromFileName,
  typeLabel,
  visibilityChips,
  type StatusLike,
} from './dmp-labels.js';

const base: StatusLike = {
  exists: true,
  closed: false,
  espaceSanteActive: true,
  authorization: 'VALIDE',
  medecinTraitant: false,
  authorizationEnd: '2027-01-01T00:00:00.000Z',
};

describe('accessAdvice', () => {
  it('VALIDE: consult and feed, with the end date', () => {
    const a = accessAdvice(base, false);
    expect(a).toMatchObject({ tone: 'success', canConsult: true, canFeed: true, canAuthorize: false, canBreakGlass: false });
    expect(a.title).toBe('Accès autorisé jusqu’au 01/01/2027');
  });

  it('EXPIRE / NON_EXISTE: authorise after consent, or bris de glace; feeding stays possible', () => {
    for (const authorization of ['EXPIRE', 'NON_EXISTE'] as const) {
      const a = accessAdvice({ ...base, authorization }, false);
      expect(a).toMatchObject({ canConsult: false, canAuthorize: true, canBreakGlass: true, canFeed: true });
      expect(a.todo).toMatch(/consentement|accepte/);
    }
    // Once the glass is broken the list opens and the offer disappears.
    expect(accessAdvice({ ...base, authorization: 'EXPIRE' }, true)).toMatchObject({
      canConsult: true,
      canBreakGlass: false,
      tone: 'error',
    });
  });

  it('INTERDIT, no DMP, closed DMP: nothing is offered, and it says why', () => {
    expect(accessAdvice({ ...base, authorization: 'INTERDIT' }, false)).toMatchObject({
      canConsult: false,
      canFeed: false,
      canBreakGlass: false,
      canAuthorize: false,
    });
    expect(accessAdvice({ ...base, authorization: 'INTERDIT' }, true).canConsult).toBe(false);
    expect(accessAdvice({ ...base, exists: false }, false).title).toBe('Ce patient n’a pas de DMP');
    expect(accessAdvice({ ...base, closed: true }, false)).toMatchObject({ title: 'DMP fermé', canFeed: false });
  });
});

describe('cacheAgeLine', () => {
  it('shows day, month and time on the practice’s clock (Paris by default), and « hors ligne » when offline', () => {
    const local = '2026-11-23T09:42:00.000Z';
    expect(cacheAgeLine(local, true)).toBe('Données du 23/11 à 10:42 — hors ligne');
    expect(cacheAgeLine(local, false)).toBe('Données du 23/11 à 10:42');
    expect(cacheAgeLine(null, true)).toMatch(/aucune donnée/);
    expect(cacheAgeLine(null, false)).toBeNull();
    expect(cacheAgeLine('n’importe quoi', false)).toBeNull();
    // 23:30 UTC on 7 December is 00:30 on the 8th in Paris.
    expect(cacheAgeLine('2026-12-07T23:30:00.000Z', false)).toBe('Données du 08/12 à 00:30');
  });
});

describe('small labels', () => {
  it('visibility chips', () => {
    expect(visibilityChips({ masquePs: false, invisiblePatient: false, invisibleRepresentants: false })).toEqual([]);
    expect(visibilityChips({ masquePs: true, invisiblePatient: true, invisibleRepresentants: true })).toEqual([
      'Masqué aux professionnels',
      'Masqué au patient',
      'Masqué aux représentants légaux',
    ]);
  });

  it('document types come from JDV_J07, sorted by label', () => {
    expect(documentTypes.find((t) => t.code === '11488-4')?.label).toBe('CR ou fiche de consultation ou de visite');
    const labels = documentTypes.map((t) => t.label);
    expect([...labels].sort((a, b) => a.localeCompare(b, 'fr'))).toEqual(labels);
    expect(typeLabel('inconnu', 'Autre')).toBe('Autre');
  });

  it('document date: act first, then creation, then submission', () => {
    expect(documentDate({ serviceStart: 'a', creationTime: 'b', submissionTime: 'c' })).toBe('a');
    expect(documentDate({ serviceStart: null, creationTime: 'b', submissionTime: 'c' })).toBe('b');
    expect(documentDate({ serviceStart: null, creationTime: null, submissionTime: 'c' })).toBe('c');
  });

  it('sizes and titles', () => {
    expect(sizeLabel(900)).toBe('900 octets');
    expect(sizeLabel(2048)).toBe('2 Ko');
    expect(sizeLabel(3.5 * 1024 * 1024)).toBe('3,5 Mo');
    expect(titleFromFileName('compte_rendu  mars.PDF')).toBe('compte rendu mars');
  });
});

describe('form checks', () => {
  it('bris de glace reason: mandatory, 10 to 500 characters', () => {
    expect(reasonProblem('')).toMatch(/Indiquez/);
    expect(reasonProblem('  urgence  ')).toMatch(/trop courte/);
    expect(reasonProblem('Patient inconscient aux urgences')).toBeNull();
    expect(reasonProblem('x'.repeat(501))).toMatch(/trop longue/);
  });

  it('PDF: not empty, ≤ 20 Mo, starts with %PDF-', () => {
    const pdfHead = new TextEncoder().encode('%PDF-1.7');
    expect(pdfProblem({ name: 'a.pdf', size: 10, type: 'application/pdf' }, pdfHead)).toBeNull();
    expect(pdfProblem({ name: 'a.pdf', size: 0, type: '' }, pdfHead)).toMatch(/vide/);
    expect(pdfProblem({ name: 'a.pdf', size: 21 * 1024 * 1024, type: '' }, pdfHead)).toMatch(/trop volumineux/);
    expect(pdfProblem({ name: 'a.docx', size: 10, type: '' }, new TextEncoder().encode('PK\u0003\u0004'))).toMatch(/pas un PDF/);
  });

  it('document date: real, not in the future', () => {
    expect(dateProblem('2026-11-23', '2026-11-23')).toBeNull();
    expect(dateProblem('2026-11-24', '2026-11-23')).toMatch(/futur/);
    expect(dateProblem('2026-02-30', '2026-11-23')).toMatch(/n’existe pas/);
    expect(dateProblem('', '2026-11-23')).toMatch(/Indiquez/);
  });

  it('bytes to base64, also past the chunk size', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => i % 256);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});

describe('isCabinetOutage', () => {
  it('only the bridge’s own failures raise the shell’s banner, not the DMP’s', () => {
    expect(isCabinetOutage({ code: 'UNAVAILABLE', message: 'La connexion avec les services de Cabinet a été interrompue.' })).toBe(true);
    expect(isCabinetOutage({ code: 'UNAUTHORIZED', message: 'Jeton absent' })).toBe(true);
    expect(
      isCabinetOutage({
        code: 'UNAVAILABLE',
        message: 'Le DMP est injoignable et aucun document de ce patient n’est enregistré sur ce poste.',
      }),
    ).toBe(false);
    expect(isCabinetOutage({ code: 'CONFLICT', message: 'Seul l’auteur d’un document peut le supprimer du DMP.' })).toBe(false);
  });
});
