import { describe, expect, it } from 'vitest';
import type { DmpPatient, StoredEntry } from './registry.js';
import { consultDecision, feedDecision, updateDecision, visibleTo } from './rules.js';

const now = new Date('2026-03-01T10:00:00Z');
const ME = '899701000012';
const OTHER = '810001234567';

function patient(
  status: 'VALIDE' | 'EXPIRE' | 'INTERDIT' | null,
  overrides: Partial<DmpPatient> = {},
  end: string | null = '2027-01-01T00:00:00Z',
): DmpPatient {
  const authorizations = new Map();
  if (status) authorizations.set(ME, { status, end, medecinTraitant: false });
  return {
    ins: { value: '297022A02077878', oid: '1.2.250.1.213.1.4.8' },
    label: 'X',
    state: 'ACTIF',
    espaceSante: true,
    closing: null,
    authorizations,
    ...overrides,
  };
}

const entry = (o: Partial<StoredEntry> = {}) =>
  ({
    submitter: OTHER,
    authorIds: [OTHER],
    status: 'Approved',
    confidentiality: [{ code: 'N', scheme: '2.16.840.1.113883.5.25', display: 'Normal' }],
    ...o,
  }) as StoredEntry;
const masked = [
  { code: 'N', scheme: '2.16.840.1.113883.5.25', display: '' },
  { code: 'MASQUE_PS', scheme: '1.2.250.1.213.1.1.4.13', display: '' },
];

describe('consultation', () => {
  it('needs a VALIDE authorisation not past its end', () => {
    expect(consultDecision(patient('VALIDE'), ME, 'normal', now)).toEqual({ ok: true, exceptional: false });
    expect(consultDecision(patient('VALIDE', {}, '2026-01-01T00:00:00Z'), ME, 'normal', now)).toMatchObject({
      ok: false,
      code: 'DMP_AUTORISATION_ABSENTE',
    });
    expect(consultDecision(patient('EXPIRE'), ME, 'normal', now)).toMatchObject({ ok: false, code: 'DMP_AUTORISATION_ABSENTE' });
    expect(consultDecision(patient(null), ME, 'normal', now)).toMatchObject({ ok: false, code: 'DMP_AUTORISATION_ABSENTE' });
  });
  it('bris de glace and centre 15 go through without authorisation, flagged exceptional', () => {
    expect(consultDecision(patient(null), ME, 'bris_de_glace', now)).toEqual({ ok: true, exceptional: true });
    expect(consultDecision(patient('EXPIRE'), ME, 'centre_15', now)).toEqual({ ok: true, exceptional: true });
  });
  it('INTERDIT is refused in every mode; closed or missing DMP too', () => {
    for (const purpose of ['normal', 'bris_de_glace', 'centre_15'] as const)
      expect(consultDecision(patient('INTERDIT'), ME, purpose, now)).toMatchObject({ ok: false, code: 'DMP_ACCES_INTERDIT' });
    expect(consultDecision(patient('VALIDE', { state: 'FERME' }), ME, 'bris_de_glace', now)).toMatchObject({
      ok: false,
      code: 'DMP_FERME',
    });
    expect(consultDecision(null, ME, 'bris_de_glace', now)).toMatchObject({ ok: false, code: 'XDSUnknownPatientId' });
  });
});

describe('feed and update', () => {
  it('feeding needs an active DMP only, never for a blocked practitioner', () => {
    expect(feedDecision(patient(null), ME).ok).toBe(true);
    expect(feedDecision(patient('INTERDIT'), ME)).toMatchObject({ ok: false, code: 'DMP_ACCES_INTERDIT' });
    expect(feedDecision(patient(null, { state: 'FERME' }), ME)).toMatchObject({ ok: false, code: 'DMP_FERME' });
  });
  it('deletion is the author’s only; other updates need authorship or a valid authorisation', () => {
    expect(updateDecision(patient('VALIDE'), ME, entry(), 'Deleted', now)).toMatchObject({ ok: false, code: 'DMP_AUTEUR_SEUL' });
    expect(updateDecision(patient(null), ME, entry({ submitter: ME }), 'Deleted', now).ok).toBe(true);
    expect(updateDecision(patient('VALIDE'), ME, entry(), 'Archived', now).ok).toBe(true);
    expect(updateDecision(patient(null), ME, entry(), 'Archived', now)).toMatchObject({ ok: false, code: 'DMP_AUTORISATION_ABSENTE' });
  });
});

describe('visibility', () => {
  it('MASQUE_PS and Deleted entries are seen by their author only', () => {
    expect(visibleTo(entry(), ME)).toBe(true);
    expect(visibleTo(entry({ confidentiality: masked }), ME)).toBe(false);
    expect(visibleTo(entry({ confidentiality: masked, authorIds: [ME] }), ME)).toBe(true);
    expect(visibleTo(entry({ status: 'Deleted' }), ME)).toBe(false);
    expect(visibleTo(entry({ status: 'Deleted', submitter: ME }), ME)).toBe(true);
  });
});
