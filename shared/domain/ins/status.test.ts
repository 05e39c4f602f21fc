import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../contract/outcome.js';
import {
  assertInsShareable,
  canShareIns,
  criteriaOf,
  highTrustDocumentByCliName,
  highTrustDocumentInfo,
  highTrustDocumentLabels,
  highTrustDocuments,
  identityAttributeLabels,
  identityInconsistency,
  identityStatusLabels,
  identityStatuses,
  insIfShareable,
  insShareRefusal,
  parseHighTrustDocument,
  setAttributes,
  statusFromCriteria,
  transition,
  type IdentityEvent,
  type IdentityState,
  type IdentityStatus,
  type TransitionResult,
} from './status.js';

const id = (status: IdentityStatus, attributes: string[] = []): IdentityState => ({ status, attributes });
const EVENTS: Record<IdentityEvent['type'], IdentityEvent> = {
  insi_ok: { type: 'insi_ok' },
  piece_controlee: { type: 'piece_controlee', piece: 'CN' },
  insi_perdu: { type: 'insi_perdu' },
  doute: { type: 'doute' },
  doute_levee: { type: 'doute_levee' },
};

function accepted(r: TransitionResult) {
  if (!r.ok) throw new Error(`refused: ${r.message}`);
  return r.value;
}
function refused(r: TransitionResult) {
  if (r.ok) throw new Error(`accepted: ${r.value.to}`);
  return r;
}

describe('statuses', () => {
  it('are the four RNIV statuses with their French labels', () => {
    expect(identityStatuses).toEqual(['PROV', 'VALI', 'RECUP', 'QUAL']);
    expect(identityStatusLabels).toEqual({
      PROV: 'Identité provisoire',
      VALI: 'Identité validée',
      RECUP: 'Identité récupérée',
      QUAL: 'Identité qualifiée',
    });
  });
  it('cross the two criteria', () => {
    for (const status of identityStatuses) expect(statusFromCriteria(criteriaOf(status))).toBe(status);
    expect(criteriaOf('RECUP')).toEqual({ insi: true, piece: false });
    expect(statusFromCriteria({ insi: false, piece: true })).toBe('VALI');
  });
});

describe('transition: every event from every status (no attribute)', () => {
  // [from, event, to | 'refus', changed]
  const table: [IdentityStatus, IdentityEvent['type'], IdentityStatus | 'refus', boolean?][] = [
    ['PROV', 'insi_ok', 'RECUP', true],
    ['VALI', 'insi_ok', 'QUAL', true],
    ['RECUP', 'insi_ok', 'RECUP', false],
    ['QUAL', 'insi_ok', 'QUAL', false],
    ['PROV', 'piece_controlee', 'VALI', true],
    ['VALI', 'piece_controlee', 'VALI', false],
    ['RECUP', 'piece_controlee', 'QUAL', true],
    ['QUAL', 'piece_controlee', 'QUAL', false],
    ['PROV', 'insi_perdu', 'refus'],
    ['VALI', 'insi_perdu', 'refus'],
    ['RECUP', 'insi_perdu', 'PROV', true],
    ['QUAL', 'insi_perdu', 'VALI', true],
    ['PROV', 'doute', 'PROV', true],
    ['VALI', 'doute', 'PROV', true],
    ['RECUP', 'doute', 'PROV', true],
    ['QUAL', 'doute', 'PROV', true],
    ['PROV', 'doute_levee', 'refus'],
    ['VALI', 'doute_levee', 'refus'],
    ['RECUP', 'doute_levee', 'refus'],
    ['QUAL', 'doute_levee', 'refus'],
  ];
  it.each(table)('%s + %s → %s', (from, event, to, changed) => {
    const r = transition(id(from), EVENTS[event]);
    if (to === 'refus') {
      expect(refused(r).code).toBe('CONFLICT');
      return;
    }
    const v = accepted(r);
    expect(v.from).toBe(from);
    expect(v.to).toBe(to);
    expect(v.identity.status).toBe(to);
    expect(v.changed).toBe(changed);
    expect(v.reason).toMatch(/\S/);
  });

  it('says why in French', () => {
    expect(accepted(transition(id('PROV'), EVENTS.insi_ok)).reason).toBe(
      'Identité récupérée : identité récupérée auprès du téléservice INSi.',
    );
    expect(accepted(transition(id('RECUP'), EVENTS.piece_controlee)).reason).toBe(
      'Identité qualifiée : pièce contrôlée (Carte nationale d’identité).',
    );
    expect(accepted(transition(id('QUAL'), EVENTS.insi_ok)).reason).toBe('Vérification INSi confirmée : identité qualifiée inchangée.');
    expect(accepted(transition(id('QUAL'), EVENTS.insi_perdu)).reason).toMatch(
      /^Identité validée : la vérification auprès du téléservice INSi a échoué/,
    );
    expect(refused(transition(id('VALI'), EVENTS.insi_perdu))).toMatchObject({
      message: 'Aucune INS n’a été récupérée pour cette identité (identité validée) : il n’y a rien à retirer.',
      details: { from: 'VALI', event: 'insi_perdu' },
    });
    expect(refused(transition(id('PROV'), EVENTS.doute_levee)).message).toBe(
      'Cette identité n’est pas douteuse : il n’y a pas de doute à lever.',
    );
  });
});

describe('transition: doubtful and fictitious identities', () => {
  it('doute adds DOUT and brings any status back to PROV', () => {
    const v = accepted(transition(id('QUAL', ['HOMD']), EVENTS.doute));
    expect(v.identity).toEqual({ status: 'PROV', attributes: ['DOUT', 'HOMD'] });
    expect(v.reason).toBe('Identité provisoire : identité déclarée douteuse (auparavant identité qualifiée).');
    const again = accepted(transition(v.identity, EVENTS.doute));
    expect(again.changed).toBe(false);
  });

  it.each(['insi_ok', 'piece_controlee'] as const)('refuses %s while DOUT or FICT is set', (event) => {
    const doubtful = refused(transition(id('PROV', ['DOUT']), EVENTS[event]));
    expect(doubtful.code).toBe('CONFLICT');
    expect(doubtful.message).toMatch(/^Une identité douteuse reste provisoire : elle ne peut pas être .*\. Levez d’abord le doute\.$/);
    const fictitious = refused(transition(id('PROV', ['FICT']), EVENTS[event]));
    expect(fictitious.message).toMatch(/^Une identité fictive reste provisoire/);
    expect(fictitious.message).not.toContain('doute');
    expect(refused(transition(id('PROV', ['FICT', 'DOUT']), EVENTS[event])).message).toMatch(/^Une identité douteuse et fictive/);
  });

  it('doute_levee removes DOUT and leaves the identity PROV, to be verified again', () => {
    const v = accepted(transition(id('PROV', ['DOUT', 'HOMA']), EVENTS.doute_levee));
    expect(v.identity).toEqual({ status: 'PROV', attributes: ['HOMA'] });
    expect(v.changed).toBe(true);
    expect(accepted(transition(v.identity, EVENTS.insi_ok)).to).toBe('RECUP');
  });

  it('the path PROV → RECUP → QUAL → (doute) PROV → (levée) → RECUP → QUAL', () => {
    let s: IdentityState = id('PROV');
    for (const [event, to] of [
      ['insi_ok', 'RECUP'],
      ['piece_controlee', 'QUAL'],
      ['doute', 'PROV'],
      ['doute_levee', 'PROV'],
      ['piece_controlee', 'VALI'],
      ['insi_ok', 'QUAL'],
    ] as const) {
      const v = accepted(transition(s, EVENTS[event]));
      expect(v.to, event).toBe(to);
      s = v.identity;
    }
  });
});

describe('transition: refused inputs', () => {
  it('refuses a document that is not high-trust (the carte Vitale) or unknown', () => {
    const vitale = refused(transition(id('RECUP'), { type: 'piece_controlee', piece: 'VITALE' as never }));
    expect(vitale.code).toBe('INVALID_REQUEST');
    expect(vitale.message).toMatch(/^La carte Vitale n’est pas une pièce d’identité à haut niveau de confiance/);
    expect(refused(transition(id('RECUP'), { type: 'piece_controlee', piece: 'PERMIS' as never })).message).toMatch(
      /^Pièce d’identité inconnue : « PERMIS »/,
    );
  });
  it('refuses unknown statuses and attributes', () => {
    expect(refused(transition({ status: 'XX' as IdentityStatus, attributes: [] }, EVENTS.insi_ok)).code).toBe('INVALID_REQUEST');
    expect(refused(transition(id('PROV', ['ZZZ']), EVENTS.insi_ok)).message).toMatch(/^Attribut d’identité inconnu : ZZZ/);
  });
});

describe('setAttributes', () => {
  it('keeps the status for ordinary attributes, in canonical order without duplicates', () => {
    const v = accepted(setAttributes(id('QUAL'), ['HOMA', 'HOMD', 'HOMA']));
    expect(v.identity).toEqual({ status: 'QUAL', attributes: ['HOMD', 'HOMA'] });
    expect(v.reason).toBe('Attributs modifiés (ajout : homonyme détecté ; ajout : homonyme avéré).');
    expect(accepted(setAttributes(v.identity, ['HOMD', 'HOMA'])).changed).toBe(false);
  });
  it('adding DOUT brings the identity back to PROV', () => {
    const v = accepted(setAttributes(id('RECUP', ['HOMD']), ['HOMD', 'DOUT']));
    expect(v.identity).toEqual({ status: 'PROV', attributes: ['DOUT', 'HOMD'] });
    expect(v.reason).toBe('Attributs modifiés (ajout : identité douteuse) : identité provisoire.');
  });
  it('FICT only on a PROV identity', () => {
    expect(accepted(setAttributes(id('PROV'), ['FICT'])).identity).toEqual({ status: 'PROV', attributes: ['FICT'] });
    for (const status of ['VALI', 'RECUP', 'QUAL'] as const) {
      const r = refused(setAttributes(id(status), ['FICT']));
      expect(r.code).toBe('CONFLICT');
      expect(r.message).toBe(`Une ${identityStatusLabels[status].toLowerCase()} ne peut pas être déclarée fictive.`);
    }
  });
  it('refuses unknown codes', () => {
    expect(refused(setAttributes(id('PROV'), ['DOUT', 'XYZ'])).details).toEqual({ field: 'attributes', unknown: ['XYZ'] });
  });
  it('labels every attribute in French (DOUB is a duplicate, DOUT the doubtful identity)', () => {
    expect(identityAttributeLabels.DOUB).toBe('Doublon');
    expect(identityAttributeLabels.DOUT).toBe('Identité douteuse');
    expect(identityAttributeLabels.FICT).toBe('Identité fictive');
    expect(Object.keys(identityAttributeLabels)).toHaveLength(11);
  });
});

describe('identityInconsistency', () => {
  it('spots a doubtful or fictitious identity that is not PROV', () => {
    expect(identityInconsistency(id('QUAL', ['HOMD']))).toBeNull();
    expect(identityInconsistency(id('PROV', ['DOUT', 'FICT']))).toBeNull();
    expect(identityInconsistency(id('QUAL', ['DOUT']))).toBe(
      'Une identité douteuse ne peut être qu’une identité provisoire (statut actuel : identité qualifiée).',
    );
    expect(identityInconsistency(id('VALI', ['FICT']))).toMatch(/^Une identité fictive/);
    expect(identityInconsistency(id('PROV', ['NOPE']))).toMatch(/inconnu/);
  });
});

describe('high-trust documents', () => {
  it('the main list and the RNIV 2024 exceptions, with French labels', () => {
    expect(highTrustDocuments).toEqual(['CN', 'PA', 'CS', 'eCN', 'IN', 'AV', 'LECV', 'AN', 'LEP', 'CC', 'ANCV']);
    expect(highTrustDocumentLabels.CN).toBe('Carte nationale d’identité');
    expect(highTrustDocumentLabels.PA).toBe('Passeport');
    expect(highTrustDocumentLabels.CS).toBe('Titre de séjour');
    for (const code of ['LECV', 'AN', 'LEP', 'CC', 'ANCV'] as const) expect(highTrustDocumentInfo[code].condition).toBeTruthy();
    for (const code of ['CN', 'PA', 'CS', 'eCN', 'IN', 'AV'] as const) expect(highTrustDocumentInfo[code].condition).toBeUndefined();
  });
  it('maps CLI names to codes, one each', () => {
    expect(highTrustDocumentByCliName.CNI).toBe('CN');
    expect(highTrustDocumentByCliName.PASSEPORT).toBe('PA');
    expect(highTrustDocumentByCliName.TITRE_SEJOUR).toBe('CS');
    expect(Object.keys(highTrustDocumentByCliName)).toHaveLength(highTrustDocuments.length);
  });
  it('parses codes and CLI names in any case', () => {
    expect(parseHighTrustDocument('cni')).toEqual({ ok: true, value: 'CN' });
    expect(parseHighTrustDocument('ecn')).toEqual({ ok: true, value: 'eCN' });
    expect(parseHighTrustDocument('titre-sejour')).toEqual({ ok: true, value: 'CS' });
    expect(parseHighTrustDocument('ANCV')).toEqual({ ok: true, value: 'ANCV' });
    expect(parseHighTrustDocument('carte vitale')).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
  });
});

describe('sharing the INS', () => {
  it('only for a qualified identity', () => {
    expect(canShareIns(id('QUAL'))).toBe(true);
    expect(canShareIns(id('QUAL', ['HOMD', 'DPOT']))).toBe(true);
    for (const status of ['PROV', 'VALI', 'RECUP'] as const) expect(canShareIns(id(status))).toBe(false);
    expect(insShareRefusal(id('RECUP'))).toBe(
      'L’INS ne peut être transmis que pour une identité qualifiée (statut actuel : identité récupérée).',
    );
    expect(insShareRefusal(id('PROV'))).toBe(
      'L’INS ne peut être transmis que pour une identité qualifiée (statut actuel : identité provisoire).',
    );
  });
  it('never for a usurped, deactivated or collided record (nor doubtful, fictitious)', () => {
    for (const a of ['USUR', 'DESA', 'COLV', 'DOUT', 'FICT']) expect(canShareIns(id('QUAL', [a])), a).toBe(false);
    expect(insShareRefusal(id('QUAL', ['USUR']))).toBe('L’INS ne peut pas être transmis : identité usurpée (USUR).');
  });
  it('assertInsShareable throws CONFLICT with the French reason', () => {
    expect(() => assertInsShareable(id('QUAL'))).not.toThrow();
    try {
      assertInsShareable(id('VALI'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CabinetError);
      expect((error as CabinetError).code).toBe('CONFLICT');
      expect((error as CabinetError).message).toBe(
        'L’INS ne peut être transmis que pour une identité qualifiée (statut actuel : identité validée).',
      );
      expect((error as CabinetError).details).toEqual({ status: 'VALI', attributes: [] });
    }
  });
  it('insIfShareable gives the INS or null', () => {
    const ins = { matricule: '297022A020778', cle: '78' };
    expect(insIfShareable(id('QUAL'), ins)).toBe(ins);
    expect(insIfShareable(id('RECUP'), ins)).toBeNull();
  });
});
