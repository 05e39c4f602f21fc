import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxFault, faultXml, faults } from './faults.js';
import { cnamIdentities, deVinciTwins } from './identities.js';
import { libelleCR } from './registry.js';
import { INSI_REFERENCE_DIR } from '../../test/support/insi-schemas.js';
import { SchemaUnavailable, SchemaValidator, parseXmllintErrors } from './schemas.js';
import { parseContentType, readEnvelope, resultatXml, responseXml } from './soap.js';
import { parseUntrustedXml } from './xml.js';

/** The recorded files have CRLF line ends (a checkout artefact: XML parsers read both the same). */
const recorded = (name: string) => fs.readFileSync(path.join(INSI_REFERENCE_DIR, 'responses', name), 'utf8').replace(/\r\n/g, '\n');
/** Comments and whitespace between tags removed: the recorded TEST_2.05 is indented and commented. */
const normalize = (xml: string) =>
  xml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/>\s+</g, '><')
    .trim();

describe('Content-Type SOAP 1.2', () => {
  it('lit type, charset et action (guillemets compris)', () => {
    expect(parseContentType('application/soap+xml; charset=UTF-8; action="urn:a:b"')).toEqual({
      mediaType: 'application/soap+xml',
      charset: 'utf-8',
      action: 'urn:a:b',
    });
    expect(parseContentType('Application/SOAP+XML')).toEqual({ mediaType: 'application/soap+xml', charset: null, action: null });
    expect(parseContentType('text/xml; charset=utf-8')?.mediaType).toBe('text/xml');
  });
  it('refuse un en-tête illisible ou un paramètre répété', () => {
    for (const bad of [
      undefined,
      '',
      'soap',
      'application/soap+xml; charset',
      'application/soap+xml; action="a"; action="b"',
      'application/soap+xml; a="unterminated',
    ])
      expect(parseContentType(bad)).toBeNull();
  });
});

describe('réponse RESULTAT au format enregistré', () => {
  it('CR 01 : identique octet pour octet à responses/REP_CR01.xml (sans en-tête d’adressage, fins de ligne LF)', () => {
    expect(responseXml({ codeCR: '01', identity: null, matches: 0 }, null)).toBe(recorded('REP_CR01.xml'));
  });

  it('CR 00 NIA (PROVISOIRE) : identique à responses/TEST_2.05.xml aux blancs et commentaire près', () => {
    const identity = cnamIdentities.find((i) => i.id === 'cnam:provisoire-matricule')!;
    expect(normalize(responseXml({ codeCR: '00', identity, matches: 1 }, null))).toBe(normalize(recorded('TEST_2.05.xml')));
  });

  it('ajoute l’en-tête WS-Addressing (Action …Response, RelatesTo) avant le corps', () => {
    const xml = responseXml(
      { codeCR: '02', identity: null, matches: 2 },
      { action: 'urn:x:Response', relatesTo: 'uuid:req', messageId: 'uuid:rep' },
    );
    expect(xml).toContain('<soap:Header><wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:x:Response</wsa:Action>');
    expect(xml).toContain('<wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">uuid:req</wsa:RelatesTo></soap:Header><S:Body');
    expect(xml).toContain(`<LibelleCR>${libelleCR['02']}</LibelleCR></CR></RESULTAT>`);
  });

  it('chaque réponse possible est conforme à INSi_RESULTAT_INS.xsd', async () => {
    const validator = new SchemaValidator();
    const parts: Record<string, string> = {
      cr01: resultatXml({ codeCR: '01', identity: null, matches: 0 }),
      cr02: resultatXml({ codeCR: '02', identity: null, matches: 2 }),
    };
    for (const identity of [...cnamIdentities, ...deVinciTwins])
      parts[identity.id.replace(/[^a-z0-9-]/g, '_')] = resultatXml({ codeCR: '00', identity, matches: 1 });
    expect(await validator.validate(parts, 'reponse')).toEqual([]);
    // The schema does catch a broken answer.
    const errors = await validator.validate(
      { bad: '<RESULTAT xmlns="http://www.cnamts.fr/INSiResultat"><INDIVIDU/></RESULTAT>' },
      'reponse',
    );
    expect(errors[0]?.part).toBe('bad');
    validator.close();
  });
});

describe('validation XSD (xmllint)', () => {
  const body = `<RECSANSVITALE xmlns="http://www.cnamts.fr/INSiRecSans"><NomNaissance>A</NomNaissance></RECSANSVITALE>`;
  const wrong = `<RECSANSVITALE xmlns="http://www.cnamts.fr/INSiRecSans"><Sexe>M</Sexe><NomNaissance>A</NomNaissance></RECSANSVITALE>`;

  it('le moteur rapide (workers gardés) est celui en service, et il rend les mêmes verdicts que validateXML()', async () => {
    const fast = new SchemaValidator();
    const slow = new SchemaValidator({ engine: 'validateXML' });
    try {
      expect(await fast.validate({ body })).toEqual([]);
      expect(fast.engine).toBe('worker');
      const a = await fast.validate({ body: wrong, bam: '<x/>' });
      const b = await slow.validate({ body: wrong, bam: '<x/>' });
      expect(a).toEqual(b);
      expect(a.map((e) => e.part).sort()).toEqual(['bam', 'body']);
    } finally {
      fast.close();
    }
  });

  it('une validation hors délai est abandonnée (worker arrêté) ; la suivante repart sur un worker neuf', async () => {
    const validator = new SchemaValidator();
    try {
      await expect(validator.validate({ body }, 'requete', 1)).rejects.toBeInstanceOf(SchemaUnavailable);
      expect(await validator.validate({ body: wrong })).toHaveLength(1);
      expect(await validator.validate({ body })).toEqual([]);
    } finally {
      validator.close();
    }
  });

  it('lit la sortie de xmllint partie par partie', () => {
    const stderr =
      "body.xml:1: element x: Schemas validity error : Element 'x': non.\nbody.xml fails to validate\nbam.xml fails to validate\nlps.xml validates\nautre.xml:1: ignoré\n";
    expect(parseXmllintErrors(stderr, ['body', 'bam', 'lps'])).toEqual([
      { part: 'body', message: "Element 'x': non." },
      { part: 'bam', message: 'document non conforme au schéma' },
    ]);
  });
});

describe('fautes SOAP 1.2', () => {
  it('desir_550 : la forme enregistrée, au messageID près', () => {
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><env:Body xmlns:env="http://www.w3.org/2003/05/soap-envelope">' +
      '<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value><soap:Subcode><soap:Value>soap:siram_100</soap:Value></soap:Subcode></soap:Code>' +
      "<soap:Reason><soap:Text xml:lang=\"fr\">L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre responsable informatique.</soap:Text></soap:Reason>" +
      '<soap:Detail><siram:Erreur code="desir_550" messageID="uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f" severite="erreur" xmlns:siram="urn:siram">Numéro d\'autorisation du logiciel inconnu.</siram:Erreur></soap:Detail>' +
      '</soap:Fault></env:Body></soap:Envelope>';
    expect(faultXml(new SandboxFault('idamInconnu'), 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f')).toBe(expected);
  });

  it('insi_102 : la forme enregistrée (S:, xml:lang « en », severite « fatal »)', () => {
    const xml = faultXml(new SandboxFault('erreurTechnique'), 'uuid:x');
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><env:Body xmlns:S="http://www.w3.org/2003/05/soap-envelope" xmlns:env="http://www.w3.org/2003/05/soap-envelope">' +
        '<S:Fault xmlns:ns4="http://schemas.xmlsoap.org/soap/envelope/"><S:Code><S:Value>S:Receiver</S:Value><S:Subcode><S:Value>S:siram_40</S:Value></S:Subcode></S:Code>' +
        '<S:Reason><S:Text xml:lang="en">Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement. Si le problème persiste, contactez l\'éditeur du progiciel ou votre responsable informatique.</S:Text></S:Reason>' +
        '<S:Detail><siram:Erreur severite="fatal" code="insi_102" xmlns:siram="urn:siram">L\'appel au service de recherche avec les traits d\'identité renvoie une erreur technique.</siram:Erreur></S:Detail></S:Fault></env:Body></soap:Envelope>',
    );
  });

  it('les siram:Erreur sont conformes à schema_faultSOAP_V01_01.xsd, sauf le « fatal » enregistré de insi_102', async () => {
    const validator = new SchemaValidator();
    const parts: Record<string, string> = {};
    for (const name of Object.keys(faults) as (keyof typeof faults)[]) {
      const xml = faultXml(new SandboxFault(name, 'détail <échappé> & borné'), 'uuid:1');
      parseUntrustedXml(xml); // well-formed
      const match = /<siram:Erreur[\s\S]*<\/siram:Erreur>/.exec(xml);
      if (match) parts[name] = match[0];
    }
    const errors = await validator.validate(parts, 'reponse');
    expect(errors.map((e) => e.part)).toEqual(['erreurTechnique']);
    validator.close();
  });

  it('VersionMismatch porte env:Upgrade, MustUnderstand env:NotUnderstood', () => {
    expect(faultXml(new SandboxFault('versionSoap'), null)).toContain('<soap:Upgrade><soap:SupportedEnvelope qname="ns1:Envelope"');
    expect(faultXml(new SandboxFault('nonCompris', undefined, { notUnderstood: { ns: 'urn:x', localName: 'Truc' } }), null)).toContain(
      '<soap:NotUnderstood qname="p:Truc" xmlns:p="urn:x"/>',
    );
  });
});

describe('lecture de l’enveloppe', () => {
  const soap = (inner: string) => parseUntrustedXml(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">${inner}</s:Envelope>`);
  const fault = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (error instanceof SandboxFault) return error.name_;
      throw error;
    }
    throw new Error('acceptée à tort');
  };
  it('refuse SOAP 1.1, un corps vide ou double, du texte, un élément inattendu', () => {
    expect(
      fault(() =>
        readEnvelope(
          parseUntrustedXml('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>'),
        ),
      ),
    ).toBe('versionSoap');
    expect(fault(() => readEnvelope(soap('<s:Body/>')))).toBe('messageIllisible');
    expect(fault(() => readEnvelope(soap('<s:Body><x/><y/></s:Body>')))).toBe('messageIllisible');
    expect(fault(() => readEnvelope(soap('<s:Body>texte<x/></s:Body>')))).toBe('messageIllisible');
    expect(fault(() => readEnvelope(soap('<s:Header/><s:Body><x/></s:Body><s:Body><x/></s:Body>')))).toBe('messageIllisible');
    expect(fault(() => readEnvelope(parseUntrustedXml('<Envelope><Body><x/></Body></Envelope>')))).toBe('messageIllisible');
  });
  it('refuse un bloc d’en-tête inconnu marqué mustUnderstand, et les doublons', () => {
    expect(
      fault(() => readEnvelope(soap('<s:Header><u:X xmlns:u="urn:u" s:mustUnderstand="true"/></s:Header><s:Body><x/></s:Body>'))),
    ).toBe('nonCompris');
    const twice = '<a:Action xmlns:a="http://www.w3.org/2005/08/addressing">x</a:Action>';
    expect(fault(() => readEnvelope(soap(`<s:Header>${twice}${twice}</s:Header><s:Body><x/></s:Body>`)))).toBe('enteteAdressageAbsent');
  });
  it('accepte un bloc inconnu sans mustUnderstand', () => {
    const request = readEnvelope(soap('<s:Header><u:X xmlns:u="urn:u"/></s:Header><s:Body><x/></s:Body>'));
    expect(request.payload.localName).toBe('x');
    expect(request.action).toBeNull();
  });
});
