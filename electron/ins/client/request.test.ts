import { DOMParser, type Element } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { envelopeParts, validateEnvelopes } from '../../../test/support/insi-schemas.js';
import { issueLeaf, makeAuthority, softwareSigner, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject } from '../../../test/support/vihf-samples.js';
import { buildInsiAssertion } from './assertion.js';
import { testSoftware } from '../../../test/support/insi-samples.js';
import { buildTraitsRequest, buildVitaleRequest, traitsAttempts, type InsiRequestContext } from './request.js';
import { CTXBAM_NS, CTXLPS_NS, RECSANS_NS, RECVIT_NS, SOAP12_NS, WSA_NS, WSSE_NS } from './wire.js';

const now = new Date('2030-01-15T10:00:00.000Z');
const context: InsiRequestContext = {
  emitter: '499700367909006',
  software: testSoftware,
  now,
  ids: { messageId: 'uuid:11111111-1111-4111-8111-111111111111', bamId: 'bam-id', lpsId: 'lps-id' },
};

const dominique = { nomNaissance: 'ADRTROIS', prenom: 'DOMINIQUE', sexe: 'F' as const, dateNaissance: '1997-02-26' };

function root(xml: string): Element {
  const element = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  if (!element) throw new Error('no root');
  return element;
}

function text(xml: string, ns: string, name: string, index = 0): string | null {
  return root(xml).getElementsByTagNameNS(ns, name).item(index)?.textContent ?? null;
}

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

let leaf: TestLeaf;
beforeAll(() => {
  const ca = makeAuthority('AC Test Personnes');
  leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject, notBefore: new Date('2029-01-01'), notAfter: new Date('2031-01-01') });
});

describe('rechercherInsAvecTraitsIdentite request', () => {
  it('has the header of the notes, in order, and the traits in the body', () => {
    const request = buildTraitsRequest(dominique, context);
    expect(request.operation).toBe('rechercherInsAvecTraitsIdentite');
    expect(request.action).toBe('urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite');
    expect(request.messageId).toBe('uuid:11111111-1111-4111-8111-111111111111');
    expect(request.headers['content-type']).toBe(
      'application/soap+xml; charset=utf-8; action="urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"',
    );

    const { headerOrder, parts, envelope } = envelopeParts(request.xml);
    expect(envelope.namespaceURI).toBe(SOAP12_NS);
    expect(headerOrder).toEqual(['ContexteBAM', 'ContexteLPS', 'Action', 'MessageID']);
    expect(parts.ContexteBAM).toBe(
      `<ctxbam:ContexteBAM xmlns:ctxbam="${CTXBAM_NS}" Version="01_02"><ctxbam:Id>bam-id</ctxbam:Id><ctxbam:Temps>2030-01-15T10:00:00.000Z</ctxbam:Temps><ctxbam:Emetteur>499700367909006</ctxbam:Emetteur><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>`,
    );
    expect(parts.ContexteLPS).toBe(
      `<ctxlps:ContexteLPS xmlns:ctxlps="${CTXLPS_NS}" Nature="CTXLPS" Version="01_00"><ctxlps:Id>lps-id</ctxlps:Id><ctxlps:Temps>2030-01-15T10:00:00.000Z</ctxlps:Temps><ctxlps:Emetteur>499700367909006</ctxlps:Emetteur>` +
        '<ctxlps:LPS><ctxlps:IDAM R="4">CABINET-IDAM-TEST</ctxlps:IDAM><ctxlps:Version>0.1.0</ctxlps:Version><ctxlps:Instance>3f0c8c1e-7f0e-4d5a-9a51-2b7c1f0e9d10</ctxlps:Instance><ctxlps:Nom>urn:lps:Cabinet:0.1.0</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>',
    );
    expect(parts['wsa:Action']).toBe(
      `<wsa:Action xmlns:wsa="${WSA_NS}">urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite</wsa:Action>`,
    );
    expect(parts['wsa:MessageID']).toBe(`<wsa:MessageID xmlns:wsa="${WSA_NS}">uuid:11111111-1111-4111-8111-111111111111</wsa:MessageID>`);
    expect(parts.RECSANSVITALE).toBe(
      `<RECSANSVITALE xmlns="${RECSANS_NS}"><NomNaissance>ADRTROIS</NomNaissance><Prenom>DOMINIQUE</Prenom><Sexe>F</Sexe><DateNaissance>1997-02-26</DateNaissance></RECSANSVITALE>`,
    );
    expect(request.xml).not.toContain('Security');
  });

  it('uses fresh identifiers and the current time by default', () => {
    const a = buildTraitsRequest(dominique, { emitter: 'X', software: testSoftware });
    const b = buildTraitsRequest(dominique, { emitter: 'X', software: testSoftware });
    expect(a.messageId).toMatch(/^uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.messageId).not.toBe(b.messageId);
    expect(text(a.xml, CTXBAM_NS, 'Id')).not.toBe(text(b.xml, CTXBAM_NS, 'Id'));
    expect(text(a.xml, CTXBAM_NS, 'Id')).not.toBe(text(a.xml, CTXLPS_NS, 'Id'));
    expect(Math.abs(Date.parse(text(a.xml, CTXBAM_NS, 'Temps')!) - Date.now())).toBeLessThan(5_000);
  });

  it('adds LieuNaissance last and accepts lunar dates', () => {
    const request = buildTraitsRequest(
      { nomNaissance: 'CORSE', prenom: 'ANTHONY', sexe: 'M', dateNaissance: '1980-00-00', lieuNaissance: '2B020' },
      context,
    );
    expect(envelopeParts(request.xml).parts.RECSANSVITALE).toContain(
      '<DateNaissance>1980-00-00</DateNaissance><LieuNaissance>2B020</LieuNaissance></RECSANSVITALE>',
    );
  });

  it('refuses invalid traits in French before sending anything', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...dominique, nomNaissance: 'adrtrois' }, /nom de naissance/],
      [{ ...dominique, nomNaissance: 'ADRTROIS</NomNaissance><x>' }, /nom de naissance/],
      [{ ...dominique, prenom: '' }, /prénom/],
      [{ ...dominique, sexe: 'X' }, /.+/],
      [{ ...dominique, dateNaissance: '26/02/1997' }, /AAAA-MM-JJ/],
      [{ ...dominique, dateNaissance: '1997-13-01' }, /AAAA-MM-JJ/],
      [{ ...dominique, lieuNaissance: '6322' }, /COG/],
      [{ ...dominique, autre: 1 }, /inconnu/],
    ];
    for (const [input, detail] of cases) {
      const error = refusal(() => buildTraitsRequest(input as never, context));
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toBe('Les traits d’identité sont incomplets ou invalides pour une recherche INSi.');
      expect(JSON.stringify(error.details)).toMatch(detail);
    }
  });
});

describe('escaping', () => {
  it('escapes every configured value and refuses what XML cannot carry', () => {
    const request = buildTraitsRequest(dominique, {
      ...context,
      emitter: 'A&B <x>"</ctxbam:Emetteur>',
      software: { ...testSoftware, instance: 'poste <1> & "2"' },
    });
    expect(text(request.xml, CTXBAM_NS, 'Emetteur')).toBe('A&B <x>"</ctxbam:Emetteur>');
    expect(text(request.xml, CTXLPS_NS, 'Instance')).toBe('poste <1> & "2"');
    expect(request.xml).toContain('A&amp;B &lt;x&gt;"&lt;/ctxbam:Emetteur&gt;');

    expect(refusal(() => buildTraitsRequest(dominique, { ...context, emitter: 'a\u0000b' })).code).toBe('INVALID_REQUEST');
    expect(refusal(() => buildTraitsRequest(dominique, { ...context, emitter: ' ' })).code).toBe('CONFIG_INVALID');
    const software = refusal(() => buildTraitsRequest(dominique, { ...context, software: { ...testSoftware, name: 'Cabinet:evil' } }));
    expect(software.code).toBe('CONFIG_INVALID');
    expect(software.message).toMatch(/vérifiez la configuration/);
    expect(refusal(() => buildTraitsRequest(dominique, { ...context, software: { ...testSoftware, instance: 'x\uD800' } })).code).toBe(
      'CONFIG_INVALID',
    );
  });
});

describe('rechercherInsAvecCarteVitale request', () => {
  it('fills the body and ContexteBAM/COUVERTURE from the card', () => {
    const request = buildVitaleRequest(
      {
        matriculeIndividu: '2970263220749',
        matriculeOD: '1750163220111',
        nomNaissance: 'ADRUN',
        dateNaissance: '1975-12-31',
        rangNaissance: 1,
      },
      context,
    );
    expect(request.action).toBe('urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale');
    const { parts } = envelopeParts(request.xml);
    expect(parts.RECVITALE).toBe(
      `<RECVITALE xmlns="${RECVIT_NS}"><MatriculeIndividu><NumIdentifiant>2970263220749</NumIdentifiant></MatriculeIndividu><MatriculeOD><NumIdentifiant>1750163220111</NumIdentifiant></MatriculeOD>` +
        '<NomNaissance>ADRUN</NomNaissance><DateNaissance>1975-12-31</DateNaissance><RangNaissance>1</RangNaissance></RECVITALE>',
    );
    expect(parts.ContexteBAM).toContain(
      '<ctxbam:COUVERTURE><ctxbam:ASSURE><ctxbam:Id><ctxbam:Num>1750163220111</ctxbam:Num></ctxbam:Id></ctxbam:ASSURE><ctxbam:BENEFICIAIRE><ctxbam:Nir><ctxbam:Num>2970263220749</ctxbam:Num></ctxbam:Nir><ctxbam:DateNai>1975-12-31</ctxbam:DateNai><ctxbam:Rang>1</ctxbam:Rang></ctxbam:BENEFICIAIRE></ctxbam:COUVERTURE>',
    );
  });

  it('omits the beneficiary NIR when the card has none, and refuses bad card data', () => {
    const request = buildVitaleRequest(
      { matriculeOD: '1750163220111', nomNaissance: 'ADRUN', dateNaissance: '2010-00-00', rangNaissance: 2 },
      context,
    );
    const { parts } = envelopeParts(request.xml);
    expect(parts.RECVITALE).not.toContain('MatriculeIndividu');
    expect(parts.ContexteBAM).toContain(
      '<ctxbam:BENEFICIAIRE><ctxbam:DateNai>2010-00-00</ctxbam:DateNai><ctxbam:Rang>2</ctxbam:Rang></ctxbam:BENEFICIAIRE>',
    );
    for (const bad of [
      { matriculeOD: '17501632201' },
      { matriculeOD: '175016322011199' },
      { rangNaissance: 0 },
      { rangNaissance: 1.5 },
      { nomNaissance: 'Adrun' },
    ]) {
      const error = refusal(() =>
        buildVitaleRequest(
          { matriculeOD: '1750163220111', nomNaissance: 'ADRUN', dateNaissance: '2010-00-00', rangNaissance: 2, ...bad },
          context,
        ),
      );
      expect(error.code).toBe('INVALID_REQUEST');
      expect(error.message).toMatch(/carte Vitale/);
    }
  });
});

describe('CPS mode', () => {
  it('puts the signed assertion in wsse:Security, last in the header, and its NameID as emitter', () => {
    const assertion = buildInsiAssertion(
      { idNatPs: '899700366240', identifiantFacturation: '123456789', secteurActivite: 'SA05' },
      softwareSigner(leaf),
      now,
    );
    const request = buildTraitsRequest(dominique, { ...context, emitter: assertion.nameId, assertion });
    const { headerOrder, parts } = envelopeParts(request.xml);
    expect(headerOrder).toEqual(['ContexteBAM', 'ContexteLPS', 'Action', 'MessageID', 'Security']);
    expect(parts.Security?.startsWith(`<wsse:Security xmlns:wsse="${WSSE_NS}"><saml2:Assertion`)).toBe(true);
    expect(text(request.xml, CTXBAM_NS, 'Emetteur')).toBe('899700366240');
    expect(text(request.xml, CTXLPS_NS, 'Emetteur')).toBe('899700366240');
  });
});

describe('traits strategy', () => {
  it('tries each given name, then the whole list', () => {
    expect(
      traitsAttempts({ nomNaissance: 'TCHITCHI', prenoms: 'OLA CATARINA BELLA', sexe: 'F', dateNaissance: '1936-06-21' }).prenoms,
    ).toEqual(['OLA', 'CATARINA', 'BELLA', 'OLA CATARINA BELLA']);
    expect(
      traitsAttempts({ nomNaissance: 'HOUILLES', prenoms: ['PIERRE', 'PAUL JACQUES'], sexe: 'M', dateNaissance: '1993-01-27' }).prenoms,
    ).toEqual(['PIERRE', 'PAUL', 'JACQUES', 'PIERRE PAUL JACQUES']);
    expect(traitsAttempts({ nomNaissance: 'ADRTROIS', prenoms: ' DOMINIQUE ', sexe: 'F', dateNaissance: '1997-02-26' }).prenoms).toEqual([
      'DOMINIQUE',
    ]);
    expect(
      traitsAttempts({ nomNaissance: 'ECETINSI', prenoms: 'PIERRE-ALAIN MURIEL', sexe: 'M', dateNaissance: '2009-07-14' }).prenoms,
    ).toEqual(['PIERRE-ALAIN', 'MURIEL', 'PIERRE-ALAIN MURIEL']);
  });

  it('refuses an empty or invalid list before any request', () => {
    expect(refusal(() => traitsAttempts({ nomNaissance: 'X', prenoms: '   ', sexe: 'F', dateNaissance: '1997-02-26' })).message).toMatch(
      /Au moins un prénom/,
    );
    expect(refusal(() => traitsAttempts({ nomNaissance: 'X', prenoms: 'OLA Catarina', sexe: 'F', dateNaissance: '1997-02-26' })).code).toBe(
      'INVALID_REQUEST',
    );
  });
});

describe('official schemas', () => {
  it('validates every kind of request against the INSi, context and SAML schemas', async () => {
    const assertion = buildInsiAssertion(
      { idNatPs: '899700366240', identifiantFacturation: '123456789', secteurActivite: 'SA05', codeSpecialiteAMO: '01' },
      softwareSigner(leaf),
      now,
    );
    const cps = { ...context, emitter: assertion.nameId, assertion };
    const requests = [
      buildTraitsRequest(dominique, context),
      buildTraitsRequest({ ...dominique, lieuNaissance: '2A020', prenom: "D'ARC--MARIE ANNE" }, { emitter: 'E', software: testSoftware }),
      buildTraitsRequest(dominique, cps),
      buildVitaleRequest(
        {
          matriculeIndividu: '297022A020778',
          matriculeOD: '1750163220111',
          nomNaissance: 'ADRTROIS',
          dateNaissance: '1997-02-26',
          rangNaissance: 1,
        },
        context,
      ),
      buildVitaleRequest({ matriculeOD: '1750163220111', nomNaissance: 'ADRTROIS', dateNaissance: '1997-00-00', rangNaissance: 3 }, cps),
    ];
    expect(await validateEnvelopes(requests.map((r) => r.xml))).toEqual([]);
    // The checker does see errors: a context without its required Id is refused.
    const broken = requests[0]!.xml.replace('<ctxbam:Id>bam-id</ctxbam:Id>', '');
    expect((await validateEnvelopes([broken])).join('\n')).toMatch(/ContexteBAM: .*Temps.*Expected is \( \{urn:siram:bam:ctxbam\}Id \)/);
  });
});
