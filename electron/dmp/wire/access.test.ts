import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import {
  ACCESS_NS,
  AccessFault,
  SOAP12_ENV_NS,
  buildAccessFault,
  buildAddAuthorizationRequest,
  buildStatusRequest,
  buildStatusResponse,
  insFromCx,
  insToCx,
  parseAccessRequest,
  parseStatusResponse,
} from './access.js';

const ins = { value: '297022A02077878', oid: '1.2.250.1.213.1.4.10' };
const element = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
const envelope = (body: string) => `<env:Envelope xmlns:env="${SOAP12_ENV_NS}"><env:Body>${body}</env:Body></env:Envelope>`;

describe('CX patient id', () => {
  it('round-trips a qualified INS', () => {
    expect(insToCx(ins)).toBe('297022A02077878^^^&1.2.250.1.213.1.4.10&ISO^NH');
    expect(insFromCx(insToCx(ins))).toEqual(ins);
  });
  it('refuses a wrong key, a non-INS OID, the demo OID and a malformed CX', () => {
    expect(insFromCx('297022A02077879^^^&1.2.250.1.213.1.4.10&ISO^NH')).toBeNull();
    expect(insFromCx('297022A02077878^^^&1.2.250.1.71.4.2.1&ISO^NH')).toBeNull();
    expect(insFromCx('297022A02077878^^^&1.2.250.1.213.1.4.11&ISO^NH')).toBeNull();
    expect(insFromCx('297022A02077878^^^&1.2.250.1.213.1.4.10&ISO^PI')).toBeNull();
    expect(insFromCx('297022A02077878')).toBeNull();
  });
});

describe('requests (client builds, server reads)', () => {
  it('TD0.2 round trip', () => {
    expect(parseAccessRequest('td02', element(buildStatusRequest(ins)))).toEqual({ operation: 'td02', ins });
  });
  it('TD0.3 round trip with the consent', () => {
    expect(parseAccessRequest('td03', element(buildAddAuthorizationRequest(ins, true)))).toEqual({ operation: 'td03', ins, consent: true });
  });
  it('escapes the CX ampersands', () => {
    expect(buildStatusRequest(ins)).toContain('^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH');
  });
  const refused = (operation: 'td02' | 'td03', xml: string) => {
    try {
      parseAccessRequest(operation, element(xml));
    } catch (error) {
      expect(error).toBeInstanceOf(AccessFault);
      return (error as AccessFault).code;
    }
    throw new Error('accepted');
  };
  it('refuses the wrong element, extra or missing children, stray text and attributes', () => {
    expect(refused('td03', buildStatusRequest(ins))).toBe('REQUETE_INVALIDE');
    expect(refused('td02', `<acc:StatutDmpRequest xmlns:acc="${ACCESS_NS}"/>`)).toBe('REQUETE_INVALIDE');
    expect(refused('td02', buildStatusRequest(ins).replace('</acc:StatutDmpRequest>', '<acc:X/></acc:StatutDmpRequest>'))).toBe(
      'REQUETE_INVALIDE',
    );
    expect(refused('td02', buildStatusRequest(ins).replace('</acc:StatutDmpRequest>', 'texte</acc:StatutDmpRequest>'))).toBe(
      'REQUETE_INVALIDE',
    );
    expect(refused('td02', buildStatusRequest(ins).replace('<acc:StatutDmpRequest ', '<acc:StatutDmpRequest a="1" '))).toBe(
      'REQUETE_INVALIDE',
    );
    expect(refused('td02', buildStatusRequest(ins).replace(`xmlns:acc="${ACCESS_NS}"`, 'xmlns:acc="urn:autre"'))).toBe('REQUETE_INVALIDE');
    expect(refused('td03', buildAddAuthorizationRequest(ins, true).replace('>true<', '>oui<'))).toBe('REQUETE_INVALIDE');
  });
  it('refuses an invalid INS with INS_INVALIDE', () => {
    expect(refused('td02', buildStatusRequest({ ...ins, value: '297022A02077879' }))).toBe('INS_INVALIDE');
    expect(refused('td02', buildStatusRequest({ ...ins, oid: '1.2.3' }))).toBe('INS_INVALIDE');
  });
});

describe('responses (server builds, client reads)', () => {
  it('VALIDE with an end date, médecin traitant, Mon espace santé', () => {
    const xml = envelope(
      buildStatusResponse({
        state: 'ACTIF',
        espaceSante: true,
        authorization: 'VALIDE',
        medecinTraitant: true,
        authorizationEnd: '2027-01-01T00:00:00.000Z',
      }),
    );
    expect(parseStatusResponse(xml)).toEqual({
      exists: true,
      closed: false,
      espaceSanteActive: true,
      authorization: 'VALIDE',
      medecinTraitant: true,
      authorizationEnd: '2027-01-01T00:00:00.000Z',
    });
  });
  it('a closed DMP, and no DMP', () => {
    const closed = envelope(
      buildStatusResponse({
        state: 'FERME',
        espaceSante: false,
        authorization: 'NON_EXISTE',
        medecinTraitant: false,
        authorizationEnd: null,
        closing: { date: '2025-01-01', motif: 'DECES' },
      }),
    );
    expect(parseStatusResponse(closed)).toMatchObject({ exists: false, closed: true, authorization: 'NON_EXISTE' });
    const none = envelope(
      buildStatusResponse({
        state: 'INEXISTANT',
        espaceSante: false,
        authorization: 'NON_EXISTE',
        medecinTraitant: false,
        authorizationEnd: null,
      }),
    );
    expect(parseStatusResponse(none)).toMatchObject({ exists: false, closed: false });
  });
  it('drops the end date unless VALIDE', () => {
    const xml = envelope(
      buildStatusResponse({
        state: 'ACTIF',
        espaceSante: true,
        authorization: 'EXPIRE',
        medecinTraitant: false,
        authorizationEnd: '2020-01-01T00:00:00Z',
      }),
    );
    expect(parseStatusResponse(xml).authorizationEnd).toBeNull();
  });
  it('a fault becomes a French CabinetError with the subcode', () => {
    const xml = envelope(buildAccessFault(new AccessFault('ACCES_INTERDIT')));
    let caught: unknown;
    try {
      parseStatusResponse(xml);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CabinetError);
    expect((caught as CabinetError).code).toBe('UNAUTHORIZED');
    expect((caught as CabinetError).message).toContain('interdit');
    expect((caught as CabinetError).details).toEqual({ code: 'ACCES_INTERDIT' });
  });
  it('malformed answers are refused, never half-read', () => {
    expect(() => parseStatusResponse('<pas-fini')).toThrow(/illisible/);
    expect(() => parseStatusResponse('<!DOCTYPE x [<!ENTITY a "b">]><x/>')).toThrow(/DTD/);
    expect(() => parseStatusResponse(envelope(''))).toThrow(/vide/);
    expect(() =>
      parseStatusResponse(
        envelope(
          buildStatusResponse({
            state: 'ACTIF',
            espaceSante: true,
            authorization: 'VALIDE',
            medecinTraitant: false,
            authorizationEnd: null,
          }).replace('VALIDE', 'PEUT-ETRE'),
        ),
      ),
    ).toThrow(/inconnue/);
    expect(() => parseStatusResponse(envelope(`<x>${'a'.repeat(70_000)}</x>`))).toThrow(/volumineuse/);
    expect(() => parseStatusResponse(`${'<a>'.repeat(5_000)}${'</a>'.repeat(5_000)}`)).toThrow(
      /illisible \(statut du DMP\) : imbrication de plus de 32 niveaux/,
    );
  });
});
