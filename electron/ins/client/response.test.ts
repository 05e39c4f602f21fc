import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { validateAgainst } from '../../../test/support/insi-schemas.js';
import {
  catarina,
  cr00,
  cr01,
  cr02,
  ecetinsiHistory,
  faultDesir550,
  faultDesir560,
  faultEnvelope,
  faultInsi102,
  hermannInconsistentKeys,
  recordedResponse,
  resultatEnvelope,
} from '../../../test/support/insi-samples.js';
import { insiResultError, parseInsiResponse, readInsiReply, type InsiResult } from './response.js';
import { MAX_INSI_RESPONSE_BYTES, RESULTAT_NS, SIRAM_NS } from './wire.js';

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

function found(result: InsiResult) {
  if (result.cr !== '00') throw new Error(`CR ${result.cr}`);
  return result.individu;
}

/** The first element named `local` in `ns`, serialised alone. */
function extract(xml: string, ns: string, local: string): string {
  const element = new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagNameNS(ns, local).item(0);
  if (!element) throw new Error(`${local} absent`);
  return new XMLSerializer().serializeToString(element);
}

describe('INS keys of the answer (CNDA 2.08 cas 2)', () => {
  it('refuses HERMANN GATIEN: the keys returned (60, 10) are not those of the matricules (76, 26); no INS in the message', () => {
    const error = refusal(() => parseInsiResponse(hermannInconsistentKeys));
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toMatch(/^INS refusé : INSi a renvoyé une clé qui ne correspond pas au matricule/);
    expect(error.message).toContain('INS actif : clé reçue 60, clé calculée 76');
    expect(error.message).toContain('INS de l’historique n° 2 : clé reçue 10, clé calculée 26');
    expect(error.message).toMatch(/identité provisoire/);
    expect(error.message).not.toMatch(/1810363220456|2810363220456/);
    expect(error.details).toEqual({
      reason: 'cle_ins_incoherente',
      cles: [
        { ou: 'actif', recue: '60', attendue: '76' },
        { ou: 'historique', rang: 1, recue: '60', attendue: '76' },
        { ou: 'historique', rang: 2, recue: '10', attendue: '26' },
      ],
    });
  });

  it('refuses an answer whose active INS is right but one historical key is wrong, and accepts it once the key is right', () => {
    const wrongHistory = ecetinsiHistory.replace('<Cle>55</Cle>', '<Cle>56</Cle>');
    expect(refusal(() => parseInsiResponse(wrongHistory)).details).toMatchObject({
      cles: [{ ou: 'historique', rang: 2, recue: '56', attendue: '55' }],
    });
    expect(parseInsiResponse(ecetinsiHistory).cr).toBe('00');
  });

  it('accepts Corsican INS (2A, 2B) whose keys are right', () => {
    for (const [matricule, cle] of [
      ['297022A020778', '78'],
      ['160012B020777', '13'],
    ] as const) {
      const xml = cr00({ matricule, cle, nomNaissance: 'ADRTROIS', listePrenom: 'X', sexe: 'F', dateNaissance: '1997-02-26' });
      expect(found(parseInsiResponse(xml)).insActif.ins).toBe(matricule + cle);
    }
  });
});

describe('recorded qualification answers', () => {
  it('REP_CR01: no identity', () => {
    const result = parseInsiResponse(recordedResponse('REP_CR01'));
    expect(result).toEqual({ cr: '01', label: 'Aucune identite trouvee', message: 'INSi : aucune identité trouvée' });
    expect(insiResultError(result)).toMatchObject({ code: 'NOT_FOUND', message: 'INSi : aucune identité trouvée' });
  });

  it('TEST_2.05: a NIA (OID .9, key 35), comment inside INSACTIF', () => {
    const result = parseInsiResponse(recordedResponse('TEST_2.05'));
    expect(result.cr).toBe('00');
    expect(result.label).toBe('OK');
    expect(insiResultError(result)).toBeNull();
    expect(found(result)).toEqual({
      insActif: { matricule: '1090763220888', cle: '35', ins: '109076322088835', oid: '1.2.250.1.213.1.4.9' },
      insHisto: [],
      tiq: {
        nomNaissance: 'PROVISOIRE',
        prenom: 'MATRICULE',
        listePrenoms: 'MATRICULE',
        sexe: 'M',
        dateNaissance: '2009-07-01',
        lieuNaissance: '63220',
      },
    });
  });

  it('the recorded answers are valid RESULTATs', async () => {
    const documents = [recordedResponse('REP_CR01'), recordedResponse('TEST_2.05')].map((b) =>
      extract(b.toString('utf8'), RESULTAT_NS, 'RESULTAT'),
    );
    expect(await validateAgainst('RESULTAT', documents)).toEqual({ valid: true, errors: [] });
  });
});

describe('answers written from the notes’ test vectors', () => {
  it('are valid RESULTATs themselves', async () => {
    const samples = [
      cr01,
      cr02,
      ecetinsiHistory,
      catarina,
      cr00({
        matricule: '297022A020778',
        cle: '78',
        nomNaissance: 'ADRTROIS',
        prenom: 'DOMINIQUE',
        listePrenom: 'DOMINIQUE',
        sexe: 'F',
        dateNaissance: '1997-02-26',
        lieuNaissance: '2A020',
      }),
    ];
    expect(
      await validateAgainst(
        'RESULTAT',
        samples.map((s) => extract(s, RESULTAT_NS, 'RESULTAT')),
      ),
    ).toEqual({ valid: true, errors: [] });
  });

  it('INS history: INSHISTO with their dates and types, ListePrenom without Prenom', () => {
    const individu = found(parseInsiResponse(ecetinsiHistory));
    expect(individu.insActif).toEqual({ matricule: '1090763220834', cle: '89', ins: '109076322083489', oid: '1.2.250.1.213.1.4.8' });
    expect(individu.insHisto).toEqual([
      {
        matricule: '2090763220834',
        cle: '39',
        ins: '209076322083439',
        oid: '1.2.250.1.213.1.4.8',
        typeMatricule: 'NIR',
        dateDebut: '2019-03-01',
        dateFin: '2019-02-28',
      },
      { matricule: '2090663220123', cle: '55', ins: '209066322012355', oid: '1.2.250.1.213.1.4.8', typeMatricule: 'NIR' },
    ]);
    expect(individu.tiq).toEqual({
      nomNaissance: 'ECETINSI',
      prenom: 'PIERRE-ALAIN',
      listePrenoms: 'PIERRE-ALAIN MURIEL FLORIANT',
      sexe: 'M',
      dateNaissance: '2009-07-14',
      lieuNaissance: '63220',
    });
  });

  it('CR 02: several identities', () => {
    const result = parseInsiResponse(cr02);
    expect(result).toEqual({
      cr: '02',
      label: 'Plusieurs identites trouvees',
      message: 'Plusieurs identités trouvées : précisez le lieu de naissance',
    });
    expect(insiResultError(result)).toMatchObject({
      code: 'CONFLICT',
      message: 'Plusieurs identités trouvées : précisez le lieu de naissance',
    });
  });

  it('Corsica (2A) matricule, any prefix, ISO-8859-1, a BOM', () => {
    const dominique = cr00({
      matricule: '297022A020778',
      cle: '78',
      nomNaissance: 'ADRTROIS',
      prenom: 'DOMINIQUE',
      listePrenom: 'DOMINIQUE',
      sexe: 'F',
      dateNaissance: '1997-02-26',
      lieuNaissance: '2A020',
    });
    expect(found(parseInsiResponse(dominique)).insActif.ins).toBe('297022A02077878');
    const prefixed = `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header/><e:Body><r:RESULTAT xmlns:r="${RESULTAT_NS}"><r:CR><r:CodeCR>01</r:CodeCR><r:LibelleCR>Aucune identite trouvee</r:LibelleCR></r:CR></r:RESULTAT></e:Body></e:Envelope>`;
    expect(parseInsiResponse(prefixed).cr).toBe('01');
    const latin1 = Buffer.from(
      cr00({
        matricule: '1090763220834',
        cle: '89',
        nomNaissance: 'ÉCETINSI',
        listePrenom: 'PIERRE',
        sexe: 'M',
        dateNaissance: '2009-07-14',
      }).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'),
      'latin1',
    );
    expect(found(parseInsiResponse(latin1)).tiq.nomNaissance).toBe('ÉCETINSI');
    expect(parseInsiResponse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cr01)])).cr).toBe('01');
  });
});

describe('SOAP faults', () => {
  it('desir_550 (unknown authorisation number) → configuration message', async () => {
    const xml = faultEnvelope(faultDesir550);
    const reply = readInsiReply(xml);
    expect(reply).toEqual({
      kind: 'fault',
      fault: {
        code: 'Sender',
        subcode: 'siram_100',
        reason:
          "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre responsable informatique.",
        erreur: {
          code: 'desir_550',
          severite: 'erreur',
          messageId: 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f',
          text: "Numéro d'autorisation du logiciel inconnu.",
        },
      },
    });
    const error = refusal(() => parseInsiResponse(xml));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('Numéro d’autorisation du logiciel inconnu de l’Assurance maladie : vérifiez la configuration');
    expect(error.details).toMatchObject({
      faute: 'Sender',
      siram: 'siram_100',
      erreur: 'desir_550',
      messageId: 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f',
    });
    expect(await validateAgainst('Erreur', [extract(xml, SIRAM_NS, 'Erreur')])).toEqual({ valid: true, errors: [] });
  });

  it('insi_102 (technical error, severity `fatal` as the service writes it) → the reason and siram code', async () => {
    const xml = faultEnvelope(faultInsi102);
    const error = refusal(() => parseInsiResponse(xml));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(
      'INSi a refusé la demande : Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement. (siram_40)',
    );
    expect(error.details).toMatchObject({ faute: 'Receiver', siram: 'siram_40', erreur: 'insi_102', severite: 'fatal' });
    // `fatal` is not in the schema's enumeration (`fatale`): the parser does not depend on it.
    expect((await validateAgainst('Erreur', [extract(xml, SIRAM_NS, 'Erreur')])).valid).toBe(false);
  });

  it('DESIR_560 (certificate not INSI-AUTO / INSI-MANU) → certificate message', () => {
    const error = refusal(() => parseInsiResponse(faultEnvelope(faultDesir560)));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toBe('Le certificat logiciel n’est pas autorisé (INSI-AUTO ou INSI-MANU attendu)');
  });

  it('any other fault: « INSi a refusé la demande : <Reason> (siram_NNN) », the French reason preferred, cleaned and bounded', () => {
    const xml = faultEnvelope({
      ...faultDesir550,
      erreur: { code: 'desir_999', severite: 'erreur', text: 'x' },
      prefixes: ['S', 'S'],
    }).replace(
      /<S:Reason>.*<\/S:Reason>/,
      `<S:Reason><S:Text xml:lang="en">Denied</S:Text><S:Text xml:lang="fr">Demande\n\trefusée   ${'très '.repeat(100)}</S:Text></S:Reason>`,
    );
    const error = refusal(() => parseInsiResponse(xml));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/^INSi a refusé la demande : Demande refusée très très .*… \(siram_100\)$/);
    expect(error.message.length).toBeLessThan(360);
    const bare = `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="fr">Panne</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>`;
    expect(refusal(() => parseInsiResponse(bare)).message).toBe('INSi a refusé la demande : Panne (Receiver)');
  });
});

describe('answers that cannot be trusted', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /réponse vide/],
    ['garbage', 'ceci n’est pas du XML', /XML mal formé ou tronqué/],
    ['an HTML page', '<html><body>502 Bad Gateway</body></html>', /enveloppe SOAP 1.2 attendue/],
    ['truncated', recordedResponse('TEST_2.05').subarray(0, 400), /XML mal formé ou tronqué/],
    ['two roots', `${cr01}<x/>`, /XML mal formé/],
    ['a SOAP 1.1 envelope', '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>', /SOAP 1.1 reçue/],
    ['an empty body', '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>', /corps SOAP vide/],
    [
      'another element',
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><RESULTAT xmlns="urn:autre"/></s:Body></s:Envelope>`,
      /élément « RESULTAT » inattendu/,
    ],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from(cr01.slice(0, 200)), Buffer.from([0xc3, 0x28]), Buffer.from(cr01.slice(200))]),
      /UTF-8 invalide/,
    ],
    ['an unknown encoding', Buffer.from(cr01.replace('UTF-8', 'EBCDIC-FR')), /encodage « ebcdic-fr » non pris en charge/],
    ['an unknown CR', cr01.replace('<CodeCR>01</CodeCR>', '<CodeCR>07</CodeCR>'), /compte rendu « 07 » inconnu/],
    ['no CR', resultatEnvelope(''), /CodeCR\) absent/],
    ['CR 00 without INDIVIDU', resultatEnvelope('<CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR>'), /INDIVIDU\) absente/],
    ['a bad matricule', ecetinsiHistory.replace('1090763220834', '10907632208'), /matricule de INSACTIF absent ou invalide/],
    ['no key on the active INS', ecetinsiHistory.replace('<Cle>89</Cle>', ''), /clé de l’INS actif absente/],
    ['a bad OID', ecetinsiHistory.replace('<OID>1.2.250.1.213.1.4.8</OID>', '<OID>INS-NIR</OID>'), /OID de INSACTIF/],
    ['no TIQ', ecetinsiHistory.replace(/<TIQ>.*<\/TIQ>/, ''), /TIQ\) absents/],
    ['incomplete traits', ecetinsiHistory.replace('<Sexe>M</Sexe>', ''), /traits d’identité incomplets/],
  ];
  for (const [label, input, message] of cases) {
    it(`refuses ${label} with a French message`, () => {
      const error = refusal(() => parseInsiResponse(input));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(/^Réponse d’INSi /);
      expect(error.message).toMatch(message);
    });
  }

  it('refuses a DOCTYPE, entity bombs and external entities without expanding anything', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
      cr01.replace('Aucune identite trouvee', '&lol3;').replace(/^<\?xml[^>]*>\n?/, '');
    const external = cr01
      .replace(/^<\?xml[^>]*>\n?/, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
      .replace('Aucune identite trouvee', '&xxe;');
    for (const xml of [bomb, external]) {
      const error = refusal(() => parseInsiResponse(xml));
      expect(error.message).toBe('Réponse d’INSi refusée : déclaration DOCTYPE ou ENTITY interdite.');
    }
    // An entity reference with no declaration at all is malformed XML.
    expect(refusal(() => parseInsiResponse(cr01.replace('Aucune identite trouvee', '&xxe;'))).message).toMatch(/XML mal formé/);
  });

  it('refuses an answer over the size limit before parsing it', () => {
    const huge = Buffer.from(cr01.replace('</RESULTAT>', `<!--${'x'.repeat(MAX_INSI_RESPONSE_BYTES)}--></RESULTAT>`));
    const error = refusal(() => parseInsiResponse(huge));
    expect(error.message).toBe('Réponse d’INSi trop volumineuse (plus de 2048 Kio) : abandon.');
    expect(refusal(() => parseInsiResponse(cr01, { maxBytes: 100 })).message).toMatch(/trop volumineuse/);
  });

  it('bounds depth, element count, text size and parsing time', () => {
    const deep = resultatEnvelope(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`);
    expect(refusal(() => parseInsiResponse(deep)).message).toBe('Réponse d’INSi refusée : imbrication trop profonde.');
    const wide = resultatEnvelope('<a/>'.repeat(6_000));
    expect(refusal(() => parseInsiResponse(wide)).message).toBe('Réponse d’INSi refusée : trop d’éléments.');
    const long = cr01.replace('Aucune identite trouvee', 'x'.repeat(70_000));
    expect(refusal(() => parseInsiResponse(long)).message).toBe('Réponse d’INSi refusée : texte trop long.');
    expect(refusal(() => parseInsiResponse(ecetinsiHistory, { timeBudgetMs: -1 })).message).toBe(
      'Réponse d’INSi trop longue à analyser : abandon.',
    );
  });

  it('a 2 MiB answer within the limit is still parsed', () => {
    const padding = `<!--${' '.repeat(MAX_INSI_RESPONSE_BYTES - 2_000)}-->`;
    const big = catarina.replace('</RESULTAT>', `${padding}</RESULTAT>`);
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(MAX_INSI_RESPONSE_BYTES);
    expect(parseInsiResponse(big).cr).toBe('00');
  });
});
