/**
 * What the sandbox's DMP holds at start: DMPs for the CNAM test identities
 * (the INSi sandbox's `cnamIdentities` / `deVinciTwins`), in the states the
 * tests need, the ANS example documents (`<cdaReferenceDir>/examples/`)
 * re-identified to those patients (recordTarget INS and names replaced), and
 * generated volume: one patient with `volume` documents (2,000 by default)
 * made from one small CDA N1 template, so the start stays quick.
 *
 * | patient | DMP | Mon espace santé | medecin-martin (899701000012) |
 * |---|---|---|---|
 * | ADRTROIS DOMINIQUE | actif, 5 exemples + 1 masqué par un autre auteur | oui | VALIDE, médecin traitant |
 * | ADRTROIS TOUSSAINT | actif | oui | VALIDE |
 * | ADRUN ZOE | actif, 1 exemple | oui | EXPIRE |
 * | TCHITCHI CATARINA | actif, 1 exemple | oui | INTERDIT |
 * | NESSI MICHELANGELO | actif, 1 exemple | oui | NON_EXISTE |
 * | ECETINSI PIERRE-ALAIN | actif | **non** | VALIDE |
 * | CORSE ANTHONY | **fermé** (2025-06-30, DECES) | non | — |
 * | DE VINCI LEONARDO (1) | actif, 2,000 documents générés | oui | VALIDE |
 * | PROVISOIRE MATRICULE, DE VINCI LEONARDO (2) | **pas de DMP** | — | — |
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cnamIdentities, deVinciTwins, type SandboxIdentity } from '../insi/identities.js';
import { insToCx } from '../../electron/dmp/wire/access.js';
import { DMP_CODES, xdsTime } from '../../electron/dmp/wire/soap.js';
import { REPOSITORY_UNIQUE_ID, type Code, type DmpPatient, type DmpRegistry, type EntryAuthor, type StoredEntry } from './registry.js';
import type { JdvKey, Vocabulary } from './vocabulary.js';
import { escapeXmlAttr } from '../../electron/platform/xml/escape.js';

export const SANDBOX_PRACTITIONER = '899701000012';
export const OTHER_AUTHOR = '810001234567';
export const SANDBOX_SOURCE_ID = '1.2.250.1.213.1.999.2';

export interface SeedOptions {
  /** Documents of the volume patient (default 2,000). */
  volume?: number;
  /** Folder of the ANS example CDAs (`examples/`), i.e. the CDA reference folder. */
  cdaReferenceDir: string;
  now?: Date;
}

interface Example {
  file: string;
  type: [string, string];
  classCode: string;
  format: string;
  practice: string;
  facility: string;
}

const LOINC = '2.16.840.1.113883.6.1';
/** The ANS example CDAs the sandbox is seeded with (`<cdaReferenceDir>/examples/`). */
export const examples: Example[] = [
  {
    file: 'DOC_NON_STRUCTURE_CDA-R2-N1.xml',
    type: ['11502-2', LOINC],
    classCode: '10',
    format: 'urn:ihe:iti:xds-sd:pdf:2008',
    practice: 'AMBULATOIRE',
    facility: 'SA07',
  },
  {
    file: 'VSM_1.4_2022.01.xml',
    type: ['SYNTH', '1.2.250.1.213.1.1.4.12'],
    classCode: '11',
    format: 'urn:asip:ci-sis:vsm:2012',
    practice: 'ETABLISSEMENT',
    facility: 'SA04',
  },
  {
    file: 'LDL-SES_2022.01.xml',
    type: ['11490-0', LOINC],
    classCode: '10',
    format: 'urn:asip:ci-sis:ldl-ses:2017',
    practice: 'ETABLISSEMENT',
    facility: 'SA01',
  },
  {
    file: 'eP-MED-DM_2024.01_PosoNonStruct.xml',
    type: ['57833-6', LOINC],
    classCode: '42',
    format: 'urn:ihe:pharm:pre:2010',
    practice: 'AMBULATOIRE',
    facility: 'SA07',
  },
  {
    file: 'CSE-MDE_2023.01.xml',
    type: ['29274-8', LOINC],
    classCode: '10',
    format: 'urn:ans:ci-sis:cse-mde:2023',
    practice: 'ETABLISSEMENT',
    facility: 'SA05',
  },
];

const byId = new Map([...cnamIdentities, ...deVinciTwins].map((i) => [i.id, i]));
function person(id: string): SandboxIdentity {
  const found = byId.get(id);
  if (!found) throw new Error(`identité ${id} absente`);
  return found;
}

export const SEEDED = {
  valide: person('cnam:adrtrois-dominique'),
  valide2: person('cnam:adrtrois-toussaint'),
  expire: person('cnam:adrun-zoe'),
  interdit: person('cnam:tchitchi-catarina'),
  nonExiste: person('cnam:nessi-michelangelo'),
  sansEspaceSante: person('cnam:ecetinsi-pierre-alain'),
  ferme: person('cnam:corse-anthony'),
  volume: person('inventee:de-vinci-leonardo-1'),
  sansDmp: person('cnam:provisoire-matricule'),
} as const;

export const insOf = (p: SandboxIdentity) => ({ value: p.active.matricule + p.active.cle, oid: p.active.oid });

const escape = (text: string) => escapeXmlAttr(text, 'identité du bac à sable');

/** Replaces the recordTarget's INS and names (every other part untouched). */
export function reidentify(cda: string, p: SandboxIdentity): string {
  const start = cda.indexOf('<recordTarget');
  const end = cda.indexOf('</recordTarget>', start);
  if (start < 0 || end < 0) throw new Error('recordTarget absent');
  let block = cda.slice(start, end);
  block = block.replace(
    /<id\b[^>]*root="1\.2\.250\.1\.213\.1\.4\.(?:8|9|10|11)"[^>]*\/>/,
    `<id extension="${p.active.matricule}${p.active.cle}" root="${p.active.oid}"/>`,
  );
  block = block.replace(/(<family\b[^>]*>)[^<]*(<\/family>)/g, `$1${escape(p.traits.nomNaissance)}$2`);
  block = block.replace(/(<given\b[^>]*>)[^<]*(<\/given>)/g, `$1${escape(p.traits.prenoms[0] ?? '')}$2`);
  return cda.slice(0, start) + block + cda.slice(end);
}

function code(vocabulary: Vocabulary, key: JdvKey, value: string, scheme: string): Code {
  const concept = vocabulary.find(key, value, scheme);
  if (!concept) throw new Error(`code ${value} absent de ${key}`);
  return { code: value, scheme, display: concept.displayName };
}

const author = (
  idNat: string,
  family: string,
  given: string,
  specialty = 'G15_10/SM26^Médecin - Qualifié en Médecine Générale (SM)^1.2.250.1.213.1.1.4.5',
): EntryAuthor => ({
  person: `${idNat}^${family}^${given}^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS`,
  institution: ['Cabinet de test^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^^R99701'],
  role: [],
  specialty: [specialty],
});

function entryFrom(
  vocabulary: Vocabulary,
  p: SandboxIdentity,
  content: Buffer,
  meta: {
    uniqueId: string;
    title: string;
    type: [string, string];
    classCode: string;
    format: string;
    practice: string;
    facility: string;
    creation: Date;
    authorId: string;
    masked?: boolean;
    submissionSetUuid: string;
  },
): StoredEntry {
  const uuid = `urn:uuid:${crypto.randomUUID()}`;
  const cx = insToCx(insOf(p));
  const [typeCode, typeScheme] = meta.type;
  const confidentiality: Code[] = [code(vocabulary, 'J08', 'N', '2.16.840.1.113883.5.25')];
  if (meta.masked)
    confidentiality.push({ code: DMP_CODES.masquePs, scheme: DMP_CODES.visibilityScheme, display: 'Masqué aux professionnels de santé' });
  const practiceScheme = meta.practice === 'EXP_PATIENT' ? '1.2.250.1.213.1.1.4.6' : '1.2.250.1.213.1.1.4.9';
  const dtm = xdsTime(meta.creation);
  return {
    entryUuid: uuid,
    logicalId: uuid,
    version: 1,
    uniqueId: meta.uniqueId,
    repositoryUniqueId: REPOSITORY_UNIQUE_ID,
    patient: cx,
    status: 'Approved',
    title: meta.title,
    mimeType: 'text/xml',
    hash: crypto.createHash('sha1').update(content).digest('hex'),
    size: content.length,
    creationTime: dtm,
    serviceStartTime: dtm,
    serviceStopTime: null,
    languageCode: 'fr-FR',
    sourcePatientId: cx,
    legalAuthenticator: null,
    classCode: {
      code: meta.classCode,
      scheme: '1.2.250.1.213.1.1.4.1',
      display: meta.classCode === '11' ? 'Synthèse' : meta.classCode === '42' ? 'Prescription' : 'Compte rendu',
    },
    typeCode: code(vocabulary, 'J07', typeCode, typeScheme),
    formatCode: { code: meta.format, scheme: '1.3.6.1.4.1.19376.1.2.3', display: meta.format },
    confidentiality,
    healthcareFacilityTypeCode: code(vocabulary, 'J02', meta.facility, '1.2.250.1.71.4.2.4'),
    practiceSettingCode: code(vocabulary, 'J04', meta.practice, practiceScheme),
    authors: [
      meta.authorId === SANDBOX_PRACTITIONER ? author(SANDBOX_PRACTITIONER, 'MARTIN', 'Marie') : author(meta.authorId, 'DUPONT', 'Jean'),
    ],
    authorIds: [meta.authorId],
    submitter: meta.authorId,
    submissionSetUuid: meta.submissionSetUuid,
    submissionTime: dtm,
    replaces: null,
  };
}

function addSet(registry: DmpRegistry, p: SandboxIdentity, entries: StoredEntry[], time: Date, authorId: string): string {
  const uuid = entries[0]?.submissionSetUuid ?? `urn:uuid:${crypto.randomUUID()}`;
  registry.addSubmissionSet({
    entryUuid: uuid,
    uniqueId: `2.25.${BigInt(`0x${crypto.randomUUID().replace(/-/g, '')}`).toString()}`,
    sourceId: SANDBOX_SOURCE_ID,
    patient: insToCx(insOf(p)),
    submissionTime: xdsTime(time),
    contentTypeCode: { code: '07', scheme: DMP_CODES.contentTypeScheme, display: 'Consultation externe' },
    authors: [authorId === SANDBOX_PRACTITIONER ? author(SANDBOX_PRACTITIONER, 'MARTIN', 'Marie') : author(authorId, 'DUPONT', 'Jean')],
    title: '',
    status: 'Approved',
  });
  for (const e of entries)
    registry.addAssociation({
      type: 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember',
      source: uuid,
      target: e.entryUuid,
      slots: { SubmissionSetStatus: ['Original'] },
    });
  return uuid;
}

const newOid = () => `2.25.${BigInt(`0x${crypto.randomUUID().replace(/-/g, '')}`).toString()}`;

function patient(
  p: SandboxIdentity,
  state: DmpPatient['state'],
  espaceSante: boolean,
  martin: DmpPatient['authorizations'] extends Map<string, infer A> ? A | null : never,
  now: Date,
): DmpPatient {
  const authorizations = new Map();
  if (martin) authorizations.set(SANDBOX_PRACTITIONER, martin);
  return {
    ins: insOf(p),
    label: `${p.traits.nomNaissance} ${p.traits.prenoms[0]}`,
    state,
    espaceSante,
    closing: state === 'FERME' ? { date: '2025-06-30', motif: 'DECES' } : null,
    authorizations: authorizations as DmpPatient['authorizations'],
    ...(now ? {} : {}),
  };
}

/** Fills the registry; returns the time it took (ms). */
export function seed(registry: DmpRegistry, vocabulary: Vocabulary, options: SeedOptions): number {
  const started = performance.now();
  const now = options.now ?? new Date();
  const inOneYear = new Date(now.getTime() + 365 * 86_400_000).toISOString();
  const lastYear = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  registry.addPatient(patient(SEEDED.valide, 'ACTIF', true, { status: 'VALIDE', end: inOneYear, medecinTraitant: true }, now));
  registry.addPatient(patient(SEEDED.valide2, 'ACTIF', true, { status: 'VALIDE', end: inOneYear, medecinTraitant: false }, now));
  registry.addPatient(patient(SEEDED.expire, 'ACTIF', true, { status: 'EXPIRE', end: lastYear, medecinTraitant: false }, now));
  registry.addPatient(
    patient(
      SEEDED.interdit,
      'ACTIF',
      true,
      { status: 'INTERDIT', end: null, medecinTraitant: false, reason: 'Accès bloqué par le patient depuis Mon espace santé' },
      now,
    ),
  );
  registry.addPatient(patient(SEEDED.nonExiste, 'ACTIF', true, null, now));
  registry.addPatient(patient(SEEDED.sansEspaceSante, 'ACTIF', false, { status: 'VALIDE', end: inOneYear, medecinTraitant: false }, now));
  registry.addPatient(patient(SEEDED.ferme, 'FERME', false, null, now));
  registry.addPatient(patient(SEEDED.volume, 'ACTIF', true, { status: 'VALIDE', end: inOneYear, medecinTraitant: true }, now));

  // The ANS examples, re-identified.
  const exampleDir = path.join(options.cdaReferenceDir, 'examples');
  const texts = examples.map((ex) => ({ ex, text: fs.readFileSync(path.join(exampleDir, ex.file), 'utf8') }));
  const put = (p: SandboxIdentity, items: { ex: Example; text: string }[], authorId: string, masked = false, daysAgo = 10) => {
    const time = new Date(now.getTime() - daysAgo * 86_400_000);
    const setUuid = `urn:uuid:${crypto.randomUUID()}`;
    const stored = items.map(({ ex, text }) => {
      const uniqueId = newOid();
      const content = Buffer.from(
        reidentify(text, p).replace(/(<ClinicalDocument\b[\s\S]*?<id\s+root=")[^"]*("(?:\s+extension="[^"]*")?)/, `$1${uniqueId}"`),
        'utf8',
      );
      const title = /<title>([^<]*)<\/title>/.exec(text)?.[1]?.trim() ?? ex.file;
      const entry = entryFrom(vocabulary, p, content, {
        uniqueId,
        title,
        type: ex.type,
        classCode: ex.classCode,
        format: ex.format,
        practice: ex.practice,
        facility: ex.facility,
        creation: time,
        authorId,
        masked,
        submissionSetUuid: setUuid,
      });
      registry.addEntry(entry, content);
      return entry;
    });
    addSet(registry, p, stored, time, authorId);
  };
  put(SEEDED.valide, texts, SANDBOX_PRACTITIONER, false, 40);
  put(SEEDED.valide, texts.slice(0, 1), OTHER_AUTHOR, true, 20);
  put(SEEDED.expire, texts.slice(3, 4), OTHER_AUTHOR);
  put(SEEDED.interdit, texts.slice(3, 4), OTHER_AUTHOR);
  put(SEEDED.nonExiste, texts.slice(4, 5), OTHER_AUTHOR);

  // Volume: one small template, one uniqueId per document; creation dates spread over ~5 years.
  const count = options.volume ?? 2000;
  if (count > 0) {
    const template = texts[0]!.text;
    const head = reidentify(template, SEEDED.volume);
    // Keep the header, shrink the PDF to a few bytes: the volume is about metadata, not content.
    const small = head.replace(/(<text\b[^>]*>)[\s\S]*?(<\/text>)/, `$1${Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64')}$2`);
    const types: [string, string][] = [
      ['11488-4', LOINC],
      ['11506-3', LOINC],
      ['60591-5', LOINC],
      ['57833-6', LOINC],
      ['11502-2', LOINC],
    ];
    for (let batch = 0; batch < count; batch += 20) {
      const time = new Date(now.getTime() - (count - batch) * 86_400_000 * 0.9);
      const setUuid = `urn:uuid:${crypto.randomUUID()}`;
      const stored: StoredEntry[] = [];
      for (let i = batch; i < Math.min(count, batch + 20); i += 1) {
        const uniqueId = `1.2.250.1.213.1.999.3.${i + 1}`;
        const content = Buffer.from(
          small.replace(/(<ClinicalDocument\b[\s\S]*?<id\s+root=")[^"]*("(?:\s+extension="[^"]*")?)/, `$1${uniqueId}"`),
          'utf8',
        );
        const type = types[i % types.length]!;
        const creation = new Date(time.getTime() + (i - batch) * 60_000);
        const entry = entryFrom(vocabulary, SEEDED.volume, content, {
          uniqueId,
          title: `Document généré n° ${i + 1}`,
          type,
          classCode: type[0] === '57833-6' ? '42' : '10',
          format: 'urn:ihe:iti:xds-sd:pdf:2008',
          practice: 'AMBULATOIRE',
          facility: 'SA07',
          creation,
          authorId: i % 3 === 0 ? SANDBOX_PRACTITIONER : OTHER_AUTHOR,
          submissionSetUuid: setUuid,
        });
        registry.addEntry(entry, content);
        stored.push(entry);
      }
      addSet(registry, SEEDED.volume, stored, time, stored[0]!.submitter);
    }
  }
  return performance.now() - started;
}
