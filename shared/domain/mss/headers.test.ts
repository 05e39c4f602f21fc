import { describe, expect, it } from 'vitest';
import { buildMssHeaders, describeMssHeaders, readMssHeaders, type MssHeaderName } from './headers.js';

const from = (raw: Record<string, string[]>) => (name: MssHeaderName) => raw[name.toLowerCase()] ?? [];

describe('buildMssHeaders', () => {
  it('always puts X-MSS-NIL; CODECDA and INS only with CDAs', () => {
    expect(buildMssHeaders({ nil: 'DEV935997' })).toEqual({ 'X-MSS-NIL': 'DEV935997' });
    expect(buildMssHeaders({ nil: 'DEV935997', cdaCodes: ['34112-3', '11488-4'], insQualifie: true })).toEqual({
      'X-MSS-NIL': 'DEV935997',
      'X-MSS-CODECDA': '34112-3,11488-4',
      'X-MSS-INS': 'O',
    });
    expect(buildMssHeaders({ nil: 'DEV935997', cdaCodes: ['34112-3'], insQualifie: false })['X-MSS-INS']).toBe('N');
  });

  it('puts X-MSS-MES: FIN only to a patient', () => {
    expect(buildMssHeaders({ nil: 'DEV1', toPatient: true, finEchange: true })['X-MSS-MES']).toBe('FIN');
    expect(() => buildMssHeaders({ nil: 'DEV1', toPatient: false, finEchange: true })).toThrow(
      'La fin d’échange (X-MSS-MES: FIN) ne s’utilise que pour un message adressé à un patient (@patient.mssante.fr).',
    );
  });

  it('refuses, in French, a missing NIL, a header injection, a CDA without INS statement', () => {
    expect(() => buildMssHeaders({ nil: ' ' })).toThrow(/X-MSS-NIL obligatoire/);
    expect(() => buildMssHeaders({ nil: 'DEV1\r\nBcc: x@y.fr' })).toThrow(/X-MSS-NIL invalide/);
    expect(() => buildMssHeaders({ nil: 'DEV1', cdaCodes: ['34112-3\r\nX: y'], insQualifie: true })).toThrow(
      /Code de document CDA invalide/,
    );
    expect(() => buildMssHeaders({ nil: 'DEV1', cdaCodes: ['34112-3'] })).toThrow(/X-MSS-INS obligatoire/);
  });
});

describe('readMssHeaders', () => {
  it('reads the four headers and describes them in French', () => {
    const read = readMssHeaders(
      from({ 'x-mss-nil': ['DEV935997'], 'x-mss-codecda': ['34112-3, 11488-4'], 'x-mss-ins': ['o'], 'x-mss-mes': ['FIN'] }),
      true,
    );
    expect(read.headers).toEqual({ nil: 'DEV935997', codeCda: ['34112-3', '11488-4'], ins: 'O', mes: 'FIN' });
    expect(read.remarques).toEqual([]);
    expect(describeMssHeaders(read.headers).map((l) => `${l.label} : ${l.texte}`)).toEqual([
      'Référence du logiciel émetteur (NIL) : DEV935997',
      'Type(s) de document CDA : 34112-3, 11488-4',
      'INS qualifié dans le document : Oui : le document porte un INS qualifié',
      'Fin d’échange avec le patient : Échange clos : le patient ne peut pas répondre',
    ]);
  });

  it('turns every deviation into a French remark, never an exception', () => {
    const read = readMssHeaders(from({ 'x-mss-ins': ['peut-être'], 'x-mss-mes': ['STOP'], 'x-mss-codecda': ['34112-3'] }), false);
    expect(read.headers).toEqual({ codeCda: ['34112-3'] });
    expect(read.remarques.map((r) => `${r.header}:${r.reason}`)).toEqual([
      'X-MSS-NIL:absent',
      'X-MSS-INS:valeur_invalide',
      'X-MSS-MES:valeur_invalide',
      'X-MSS-CODECDA:incoherent',
      'X-MSS-INS:incoherent',
    ]);
    const missing = readMssHeaders(from({ 'x-mss-nil': ['DEV1', 'DEV2'] }), true);
    expect(missing.headers.nil).toBe('DEV1');
    expect(missing.remarques.map((r) => r.message)).toEqual([
      'En-tête X-MSS-NIL présent 2 fois : seule la première valeur est lue.',
      'Le message contient un document CDA mais pas d’en-tête X-MSS-CODECDA.',
      'Le message contient un document CDA mais pas d’en-tête X-MSS-INS.',
    ]);
  });
});
