/**
 * Integration: the client against the INSi sandbox (sandboxes/insi),
 * which checks what the real service checks (client certificate or signed
 * CPS assertion, official XSDs, IDAM). Every CNAM test case of the notes
 * ("Test vectors"), in both authentication modes, plus the Vitale lookup and
 * the configuration faults.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { testSoftware } from '../../../test/support/insi-samples.js';
import { practitionerFromCertificate } from '../../identity/certificates/practitioner.js';
import { KeySigner } from '../../identity/login/key-signer.js';
import { choosePairs, readP12 } from '../../identity/login/p12.js';
import { createTestPki, identity, pkiPath, TEST_STRUCTURE_ID, type PkiManifest } from '../../../sandboxes/pki/test-pki.js';
import type { Credentials } from '../../identity/types.js';
import { SANDBOX_IDAM, startInsiSandbox, type InsiSandbox } from '../../../sandboxes/insi/server.js';
import { openInsiCertificate } from './certificate.js';
import { InsiClient, type InsiCredentials } from './client.js';
import type { InsiTraitsSearch } from './request.js';
import type { InsiIdentifier } from './response.js';

let tmp: string;
let pki: PkiManifest;
let sandbox: InsiSandbox;
let rootPem: string;
let card: Pick<Credentials, 'practitioner' | 'signature'>;
const software = { ...testSoftware, authorisationNumber: SANDBOX_IDAM };

const p12 = (id: string) => fs.readFileSync(pkiPath(pki, identity(pki, id).p12!));

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-insi-sandbox-'));
  pki = await createTestPki(path.join(tmp, 'pki'));
  rootPem = fs.readFileSync(pkiPath(pki, pki.root.certPem!), 'utf8');
  sandbox = await startInsiSandbox({ pki, port: 0, population: 500 });
  const { pairs, chainPem } = readP12(p12('medecin-martin'), 'cabinet-test');
  const { auth, sign } = choosePairs(pairs);
  card = { practitioner: practitionerFromCertificate(auth.certPem), signature: new KeySigner(sign.keyPem, sign.certPem, chainPem) };
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const modes: Record<'certificat' | 'cps', () => InsiCredentials> = {
  certificat: () => ({ kind: 'certificat', tls: openInsiCertificate(p12('insi-auto'), 'cabinet-test').tls }),
  cps: () => ({ kind: 'cps', credentials: card, identifiantFacturation: '123456789', secteurActivite: 'SA05' }),
};

function client(mode: keyof typeof modes, overrides: { software?: typeof software; credentials?: InsiCredentials } = {}): InsiClient {
  return new InsiClient({
    url: sandbox.url,
    credentials: overrides.credentials ?? modes[mode](),
    extraCa: [rootPem],
    software: overrides.software ?? software,
  });
}

async function refusal(run: () => Promise<unknown>): Promise<CabinetError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CabinetError) return error;
    throw error;
  }
  throw new Error('not refused');
}

const NIR = '1.2.250.1.213.1.4.8';
const ins = (matricule: string, cle: string, oid = NIR, more: Partial<InsiIdentifier> = {}): InsiIdentifier => ({
  matricule,
  cle,
  ins: `${matricule}${cle}`,
  oid,
  ...more,
});

interface Case {
  label: string;
  search: InsiTraitsSearch;
  cr: '00' | '01' | '02';
  attempts: string[];
  actif?: InsiIdentifier;
  histo?: InsiIdentifier[];
  listePrenoms?: string;
  lieu?: string;
}

/** The notes' test vectors (CNAM / CNDA qualification identities). */
const cases: Case[] = [
  {
    label: 'ADRTROIS DOMINIQUE (Corse 2A)',
    search: { nomNaissance: 'ADRTROIS', prenoms: 'DOMINIQUE', sexe: 'F', dateNaissance: '1997-02-26' },
    cr: '00',
    attempts: ['DOMINIQUE:00'],
    actif: ins('297022A020778', '78'),
    listePrenoms: 'DOMINIQUE',
    lieu: '2A020',
  },
  {
    label: 'ADRTROIS TOUSSAINT (Corse 2B)',
    search: { nomNaissance: 'ADRTROIS', prenoms: 'TOUSSAINT', sexe: 'M', dateNaissance: '1960-01-01' },
    cr: '00',
    attempts: ['TOUSSAINT:00'],
    actif: ins('160012B020777', '13'),
    lieu: '2B020',
  },
  {
    label: 'ADRUN ZOE',
    search: { nomNaissance: 'ADRUN', prenoms: 'ZOE', sexe: 'F', dateNaissance: '1975-12-31' },
    cr: '00',
    attempts: ['ZOE:00'],
    actif: ins('2751263220749', '74'),
    lieu: '63220',
  },
  {
    label: 'TCHITCHI OLA alone',
    search: { nomNaissance: 'TCHITCHI', prenoms: 'OLA', sexe: 'F', dateNaissance: '1936-06-21' },
    cr: '01',
    attempts: ['OLA:01'],
  },
  {
    label: 'TCHITCHI « OLA CATARINA BELLA » (strategy: OLA 01, CATARINA 00)',
    search: { nomNaissance: 'TCHITCHI', prenoms: 'OLA CATARINA BELLA', sexe: 'F', dateNaissance: '1936-06-21' },
    cr: '00',
    attempts: ['OLA:01', 'CATARINA:00'],
    actif: ins('2360663220836', '56'),
    listePrenoms: 'CATARINA BELLA',
  },
  {
    label: 'HOUILLES « PIERRE PAUL JACQUES » (01 for every try)',
    search: { nomNaissance: 'HOUILLES', prenoms: 'PIERRE PAUL JACQUES', sexe: 'M', dateNaissance: '1993-01-27' },
    cr: '01',
    attempts: ['PIERRE:01', 'PAUL:01', 'JACQUES:01', 'PIERRE PAUL JACQUES:01'],
  },
  {
    label: 'DE VINCI LEONARDO (02)',
    search: { nomNaissance: 'DE VINCI', prenoms: 'LEONARDO', sexe: 'M', dateNaissance: '2014-02-01' },
    cr: '02',
    attempts: ['LEONARDO:02'],
  },
  {
    label: 'NESSI MICHELANGELO',
    search: { nomNaissance: 'NESSI', prenoms: 'MICHELANGELO', sexe: 'M', dateNaissance: '2010-08-07' },
    cr: '00',
    attempts: ['MICHELANGELO:00'],
    actif: ins('1100863220830', '60'),
    listePrenoms: 'MICHELANGELO ANTHONY',
  },
  {
    label: 'ECETINSI PIERRE-ALAIN (CNDA 2.04, INS history)',
    search: { nomNaissance: 'ECETINSI', prenoms: 'PIERRE-ALAIN', sexe: 'M', dateNaissance: '2009-07-14' },
    cr: '00',
    attempts: ['PIERRE-ALAIN:00'],
    actif: ins('1090763220834', '89'),
    histo: [
      ins('2090763220834', '39', NIR, { typeMatricule: 'NIR', dateDebut: '2019-03-01', dateFin: '2019-02-28' }),
      ins('2090663220123', '55', NIR, { typeMatricule: 'NIR' }),
    ],
    listePrenoms: 'PIERRE-ALAIN MURIEL FLORIANT',
  },
  {
    label: 'PROVISOIRE MATRICULE (CNDA 2.05, NIA)',
    search: { nomNaissance: 'PROVISOIRE', prenoms: 'MATRICULE', sexe: 'M', dateNaissance: '2009-07-01' },
    cr: '00',
    attempts: ['MATRICULE:00'],
    actif: ins('1090763220888', '35', '1.2.250.1.213.1.4.9'),
  },
  {
    label: 'CORSE ANTHONY (CNDA 2.08 case 1)',
    search: { nomNaissance: 'CORSE', prenoms: 'ANTHONY', sexe: 'M', dateNaissance: '1980-03-02' },
    cr: '00',
    attempts: ['ANTHONY:00'],
    actif: ins('180032B020401', '23'),
    histo: [ins('180032B020401', '23')],
    lieu: '2B020',
  },
];

describe.each(['certificat', 'cps'] as const)('INSi sandbox, %s mode', (mode) => {
  it.each(cases)('$label', async (c) => {
    const before = sandbox.requests().length;
    const insi = client(mode);
    try {
      const { result, attempts } = await insi.rechercherParTraits(c.search);
      expect(attempts.map((a) => `${a.prenom}:${a.cr}`)).toEqual(c.attempts);
      expect(result.cr).toBe(c.cr);
      if (result.cr === '00') {
        expect(result.individu.insActif).toEqual(c.actif);
        expect(result.individu.insHisto).toEqual(c.histo ?? []);
        expect(result.individu.tiq.nomNaissance).toBe(c.search.nomNaissance);
        if (c.listePrenoms) expect(result.individu.tiq.listePrenoms).toBe(c.listePrenoms);
        if (c.lieu) expect(result.individu.tiq.lieuNaissance).toBe(c.lieu);
      } else {
        expect(result.message).toBe(
          c.cr === '01' ? 'INSi : aucune identité trouvée' : 'Plusieurs identités trouvées : précisez le lieu de naissance',
        );
      }
    } finally {
      insi.close();
    }
    // The sandbox saw the mode we meant.
    const seen = sandbox.requests().slice(before);
    expect(seen).toHaveLength(c.attempts.length);
    for (const request of seen) {
      expect(request.mode).toBe(mode === 'certificat' ? 'mtls' : 'cps');
      expect(request.caller).toBe(mode === 'certificat' ? 'INSI-AUTO' : card.practitioner.idNatPs);
      expect(request.idam).toBe(SANDBOX_IDAM);
    }
  });

  it('HERMANN GATIEN (CNDA 2.08 case 2): the sandbox answers the keys CNAM returns (60, 10), the client refuses the answer', async () => {
    const before = sandbox.requests().length;
    const insi = client(mode);
    try {
      const error = await refusal(() =>
        insi.rechercherParTraits({ nomNaissance: 'HERMANN', prenoms: 'GATIEN', sexe: 'M', dateNaissance: '1981-03-24' }),
      );
      expect(error.code).toBe('CHECK_FAILED');
      expect(error.message).toMatch(
        /^INS refusé : INSi a renvoyé une clé qui ne correspond pas au matricule \(INS actif : clé reçue 60, clé calculée 76/,
      );
      const details = error.details as { reason: string; attempts: { prenom: string; error?: { code: string } }[] };
      expect(details.reason).toBe('cle_ins_incoherente');
      // A wrong key stops the strategy like a technical error: no other first name is tried.
      expect(details.attempts.map((a) => [a.prenom, a.error?.code])).toEqual([['GATIEN', 'CHECK_FAILED']]);
    } finally {
      insi.close();
    }
    const seen = sandbox.requests().slice(before);
    expect(seen).toHaveLength(1);
  });

  it('DE VINCI LEONARDO with the birthplace finds one of the two', async () => {
    const insi = client(mode);
    try {
      const { result } = await insi.rechercherParTraits({
        nomNaissance: 'DE VINCI',
        prenoms: 'LEONARDO',
        sexe: 'M',
        dateNaissance: '2014-02-01',
        lieuNaissance: '2A004',
      });
      expect(result.cr).toBe('00');
      expect(result.individu?.insActif.oid).toBe('1.2.250.1.213.1.4.10');
    } finally {
      insi.close();
    }
  });

  it('Carte Vitale: the twins of the MARTINEAU card by birth rank', async () => {
    const insi = client(mode);
    try {
      const base = { matriculeOD: '1840544109123', nomNaissance: 'MARTINEAU', dateNaissance: '2019-11-02' };
      const louis = await insi.rechercherParCarteVitale({ ...base, rangNaissance: 1 });
      const jules = await insi.rechercherParCarteVitale({ ...base, rangNaissance: 2 });
      expect(louis.result.individu?.insActif).toEqual(ins('1191144109207', '59', '1.2.250.1.213.1.4.10'));
      expect(jules.result.individu?.tiq.prenom).toBe('JULES');
      expect(jules.attempts).toEqual([expect.objectContaining({ operation: 'rechercherInsAvecCarteVitale', cr: '00' })]);
      const spouse = await insi.rechercherParCarteVitale({
        matriculeIndividu: '2860935238045',
        matriculeOD: '1840544109123',
        nomNaissance: 'LEBRETON',
        dateNaissance: '1986-09-03',
        rangNaissance: 1,
      });
      expect(spouse.result.individu?.tiq.listePrenoms).toBe('CLAIRE ANNE');
    } finally {
      insi.close();
    }
  });

  it('an unknown authorisation number is refused (desir_550) with the configuration message', async () => {
    const insi = client(mode, { software: { ...software, authorisationNumber: 'INCONNU-0000' } });
    try {
      const error = await refusal(() => insi.rechercherParTraits(cases[0]!.search));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toBe('Numéro d’autorisation du logiciel inconnu de l’Assurance maladie : vérifiez la configuration');
      expect((error.details as { attempts: unknown[] }).attempts).toHaveLength(1);
    } finally {
      insi.close();
    }
  });
});

describe('INSi sandbox, certificates', () => {
  it('INSI-MANU is accepted too', async () => {
    const insi = client('certificat', {
      credentials: { kind: 'certificat', tls: openInsiCertificate(p12('insi-manu'), 'cabinet-test').tls },
    });
    try {
      expect((await insi.rechercherParTraits(cases[0]!.search)).result.cr).toBe('00');
      expect(sandbox.requests().at(-1)?.caller).toBe('INSI-MANU');
    } finally {
      insi.close();
    }
  });

  it('a certificate that is not INSI-AUTO / INSI-MANU is refused (DESIR_560) with the certificate message', async () => {
    const { pairs, chainPem } = readP12(p12('dmp-auth'), 'cabinet-test');
    const pair = pairs[0]!;
    const insi = client('certificat', {
      credentials: { kind: 'certificat', tls: { kind: 'pem', keyPem: pair.keyPem, certPem: pair.certPem, chainPem } },
    });
    try {
      const error = await refusal(() => insi.rechercherParTraits(cases[0]!.search));
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toBe('Le certificat logiciel n’est pas autorisé (INSI-AUTO ou INSI-MANU attendu)');
      expect(sandbox.requests().at(-1)?.messageId).toBe((error.details as { attempts: { messageId: string }[] }).attempts[0]!.messageId);
    } finally {
      insi.close();
    }
  });

  it('the emitter of the mutual-TLS requests is the certificate’s OU', async () => {
    const insi = client('certificat');
    try {
      await insi.rechercherParTraits(cases[0]!.search);
    } finally {
      insi.close();
    }
    expect(sandbox.requests().at(-1)?.xml).toContain(`<ctxbam:Emetteur>${TEST_STRUCTURE_ID}</ctxbam:Emetteur>`);
  });
});
