/**
 * A test PKI shaped like IGC-Santé, for the sandboxes and the tests: one
 * root, the two intermediate authorities Cabinet meets (cards; software and
 * server certificates), CPS-like practitioner cards, structure software
 * certificates, a server certificate per local sandbox, and CRLs. Nothing
 * here is a real ANS certificate; every name starts with TEST.
 *
 * - Certificates are built with node-forge; the TBSCertificate's issuer and
 *   subject are replaced by our own DER (forge writes one RDN per attribute
 *   and cannot make the multi-valued `GN + CN + SN` RDN of a CPS subject),
 *   then signed with Node's crypto.
 * - Keys are RSA 2048 from Node's `crypto.generateKeyPair` (forge's
 *   pure-JavaScript key generation takes seconds per key).
 * - CRLs are made with @peculiar/x509: forge has no CRL support.
 * - PKCS#12 files: see `pkcs12.ts` (one file per card holding both keys).
 *
 * Every path in the manifest is relative to the PKI folder, with `/`
 * separators (`pkiPath()` resolves one); the folder can be moved. The one
 * authority outside the test root (for "unknown authority" tests) is only
 * written as DER (`etranger/ac-etrangere.der`) and inside its card's .p12,
 * so that a trust store that reads every *.pem/*.crt/*.cer of the folder
 * (electron/identity/trust-store.ts) never trusts it.
 */
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';
import { z } from 'zod';
import { CabinetError } from '../../shared/contract/outcome.js';
import { PROFESSION_OID, professionLabel } from '../../shared/domain/practitioner.js';
import { derToPem, formatName, parseCertificate } from '../../electron/identity/certificates/der.js';
import { buildPkcs12 } from './pkcs12.js';

/** PIN of every SoftHSM token standing for a card (a CPS PIN has 4 digits). */
export const TEST_CARD_PIN = '1234';
/** SO PIN of those tokens. */
export const TEST_CARD_SO_PIN = '12345678';
/** Password of every .p12 of the test PKI. */
export const TEST_P12_PASSWORD = 'cabinet-test';
/** The structure (cabinet) the software certificates belong to. */
export const TEST_STRUCTURE_ID = '499700367909006';

export const identityRoles = [
  'medecin',
  'infirmier',
  'revoque',
  'expire',
  'etranger',
  'insi-auto',
  'insi-manu',
  'dmp-auth',
  'dmp-signature',
  'serveur',
] as const;
export type IdentityRole = (typeof identityRoles)[number];
export const sandboxServices = ['insi', 'dmp', 'annuaire', 'psc', 'mss'] as const;
export type SandboxService = (typeof sandboxServices)[number];

const authoritySchema = z.object({
  id: z.string(),
  label: z.string(),
  /** Subject, RFC 4514 form of certificates/der.ts formatName (as the VIHF Issuer). */
  subject: z.string(),
  kind: z.enum(['racine', 'intermediaire', 'etrangere']),
  /** Authority that issued it (itself for a root). */
  issuer: z.string(),
  /** True when it is under the test root (the foreign one is not). */
  trusted: z.boolean(),
  certPem: z.string().optional(),
  certDer: z.string(),
  serial: z.string(),
  notAfter: z.string(),
});
const crlSchema = z.object({
  id: z.string(),
  /** Authority id that signs it. */
  issuer: z.string(),
  der: z.string(),
  pem: z.string(),
  number: z.number().int(),
  thisUpdate: z.string(),
  nextUpdate: z.string(),
  /** Serial numbers (hex, lower case) listed as revoked. */
  revokedSerials: z.array(z.string()),
});
const identitySchema = z.object({
  id: z.string(),
  role: z.enum(identityRoles),
  label: z.string(),
  /** Authority id of the issuer. */
  issuer: z.string(),
  /** Subject of `certPem`, RFC 4514 form of certificates/der.ts formatName. */
  subject: z.string(),
  /** Serial (hex, lower case) of `certPem`. */
  serial: z.string(),
  notAfter: z.string(),
  idNatPs: z.string().optional(),
  rpps: z.string().optional(),
  adeli: z.string().optional(),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  professionCode: z.string().optional(),
  /** Recorded here only: a real card does not carry the specialty. */
  specialtyCode: z.string().optional(),
  structureId: z.string().optional(),
  /** Sandbox the server certificate is for. */
  service: z.enum(sandboxServices).optional(),
  p12: z.string().optional(),
  password: z.string().optional(),
  /** PIN to give `loadCardIntoSoftHsm` for this card. */
  pin: z.string().optional(),
  /** Leaf certificate (a card's authentication certificate). */
  certPem: z.string().optional(),
  /** A card's signature certificate. */
  signatureCertPem: z.string().optional(),
  signatureSerial: z.string().optional(),
  /** Unencrypted PKCS#8 key (server certificates only). */
  keyPem: z.string().optional(),
  /** Issuing chain without the leaf: intermediate, then root. */
  chainPem: z.string().optional(),
  expired: z.boolean().optional(),
  revoked: z.boolean().optional(),
});
export const pkiManifestSchema = z.object({
  createdAt: z.string(),
  root: authoritySchema,
  authorities: z.array(authoritySchema),
  crls: z.array(crlSchema),
  identities: z.array(identitySchema),
});
export type PkiAuthority = z.infer<typeof authoritySchema>;
export type PkiCrl = z.infer<typeof crlSchema>;
export type PkiIdentity = z.infer<typeof identitySchema>;
/** The manifest; `dir` (absolute) is added when it is returned or loaded, never written. */
export type PkiManifest = z.infer<typeof pkiManifestSchema> & { dir: string };

export const MANIFEST_FILE = 'manifest.json';
/** What createTestPki writes in its folder (and removes before writing again). */
export const PKI_ENTRIES = [MANIFEST_FILE, 'ac', 'crl', 'cartes', 'logiciels', 'serveurs', 'etranger'] as const;

/** Absolute path of a manifest path. */
export function pkiPath(manifest: { dir: string }, relative: string): string {
  return path.join(manifest.dir, ...relative.split('/'));
}

export function loadTestPki(dir: string): PkiManifest {
  const absolute = path.resolve(dir);
  const manifest = pkiManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(absolute, MANIFEST_FILE), 'utf8')));
  return { ...manifest, dir: absolute };
}

export function identity(manifest: Pick<PkiManifest, 'identities'>, id: string): PkiIdentity {
  const found = manifest.identities.find((i) => i.id === id);
  if (!found) throw new Error(`identité de test inconnue : ${id}`);
  return found;
}

// ---------------------------------------------------------------------------
// Names, keys, certificates

/** One RDN: one or more [OID, value] pairs. */
type RdnSpec = [string, string][];
const OID = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  GN: '2.5.4.42',
  title: '2.5.4.12',
  ST: '2.5.4.8',
};
const CPS_TEST_POLICY = '1.2.250.1.213.1.7.2.1.1.1.1';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
const binary = (buf: Buffer) => buf.toString('binary');
const fromBinary = (s: string) => Buffer.from(s, 'binary');
const toDer = (node: forge.asn1.Asn1) => fromBinary(asn1.toDer(node).getBytes());
const fromDer = (buf: Buffer) => asn1.fromDer(forge.util.createBuffer(binary(buf)));

/** DER Name: C in PrintableString, the rest in UTF8String; a multi-valued RDN's AVAs sorted as DER's SET OF requires. */
function encodeName(rdns: RdnSpec[]): Buffer {
  const sets = rdns.map((rdn) => {
    const avas = rdn
      .map(([oid, value]) =>
        toDer(
          asn1.create(U, T.SEQUENCE, true, [
            asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes()),
            oid === OID.C ? asn1.create(U, T.PRINTABLESTRING, false, value) : asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(value)),
          ]),
        ),
      )
      .sort(Buffer.compare);
    return asn1.create(U, T.SET, true, avas.map(fromDer));
  });
  return toDer(asn1.create(U, T.SEQUENCE, true, sets));
}

const igcName = (cn: string): RdnSpec[] => [[[OID.C, 'FR']], [[OID.O, 'ASIP-SANTE']], [[OID.OU, 'IGC-SANTE TEST']], [[OID.CN, cn]]];

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}
const generateKeyPair = promisify(crypto.generateKeyPair);
const newKey = (): Promise<KeyPair> => generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 });

interface Issued {
  der: Buffer;
  pem: string;
  subjectDer: Buffer;
  /** SubjectKeyIdentifier, forge byte string. */
  ski: string;
  serialHex: string;
  key: KeyPair;
  notAfter: Date;
}

function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40; // positive, 16 significant bytes
  return bytes.toString('hex');
}

type ForgeExtension = Record<string, unknown> & { name?: string; id?: string };

function issue(options: {
  subject: RdnSpec[];
  key: KeyPair;
  issuer: Issued | null;
  notBefore: Date;
  notAfter: Date;
  extensions: ForgeExtension[];
}): Issued {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = options.notBefore;
  cert.validity.notAfter = options.notAfter;
  const ski = cert.generateSubjectKeyIdentifier().getBytes();
  const extensions: ForgeExtension[] = [...options.extensions, { name: 'subjectKeyIdentifier' }];
  if (options.issuer) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: options.issuer.ski });
  cert.setExtensions(extensions);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const subjectDer = encodeName(options.subject);
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  fields[3] = fromDer(options.issuer ? options.issuer.subjectDer : subjectDer);
  fields[5] = fromDer(subjectDer);
  const tbsDer = toDer(tbs);
  const signingKey = options.issuer ? options.issuer.key.privateKey : options.key.privateKey;
  const signature = crypto.sign('sha256', tbsDer, signingKey);
  const certificate = asn1.create(U, T.SEQUENCE, true, [
    tbs,
    asn1.create(U, T.SEQUENCE, true, [
      asn1.create(U, T.OID, false, asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption!).getBytes()),
      asn1.create(U, T.NULL, false, ''),
    ]),
    asn1.create(U, T.BITSTRING, false, `\x00${binary(signature)}`),
  ]);
  const der = toDer(certificate);
  return { der, pem: derToPem(der), subjectDer, ski, serialHex: cert.serialNumber, key: options.key, notAfter: options.notAfter };
}

/** CRL distribution points, for the shape only: nothing serves them (`.test` is a reserved domain). */
const crlUrl = (file: string) => `http://crl.igc-sante.test/${file}`;
const policies = (oid: string): ForgeExtension => ({
  id: '2.5.29.32',
  value: asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.SEQUENCE, true, [asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes())]),
  ]),
});
const profession = (code: number): ForgeExtension => ({
  id: PROFESSION_OID,
  value: asn1.create(U, T.INTEGER, false, asn1.integerToDer(code).getBytes()),
});
const caExtensions = (pathLength: number | null, crlFile: string | null): ForgeExtension[] => [
  pathLength === null
    ? { name: 'basicConstraints', critical: true, cA: true }
    : { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: pathLength },
  { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
  ...(crlFile ? [{ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl(crlFile) }] }] : []),
];

// ---------------------------------------------------------------------------
// Who is in the PKI

/** RPPS: 10 digits + Luhn key. */
export function rppsWithKey(base: string): string {
  let sum = 0;
  for (let i = 0; i < base.length; i++) {
    let digit = Number(base[base.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}

interface CardSpec {
  id: string;
  role: 'medecin' | 'infirmier' | 'revoque' | 'expire' | 'etranger';
  label: string;
  givenName: string;
  surname: string;
  rpps?: string;
  adeli?: string;
  professionCode: 10 | 60;
  specialtyCode?: string;
}

/**
 * Fictitious holders. RPPS numbers are `99701000NN` + their Luhn key (the
 * 997… range of ANS test identities); the ADELI number is made up. Real
 * cards carry no specialty: SM26 is only recorded in the manifest.
 */
const cards: CardSpec[] = [
  {
    id: 'medecin-martin',
    role: 'medecin',
    label: 'Carte CPS de test — Dr Marie MARTIN, médecin généraliste (RPPS)',
    givenName: 'MARIE',
    surname: 'MARTIN',
    rpps: rppsWithKey('9970100001'),
    professionCode: 10,
    specialtyCode: 'SM26',
  },
  {
    id: 'infirmier-petit',
    role: 'infirmier',
    label: 'Carte CPS de test — Julien PETIT, infirmier à domicile (ADELI)',
    givenName: 'JULIEN',
    surname: 'PETIT',
    adeli: '756012345',
    professionCode: 60,
  },
  {
    id: 'revoque-durand',
    role: 'revoque',
    label: 'Carte CPS révoquée — Dr Paul DURAND, médecin généraliste',
    givenName: 'PAUL',
    surname: 'DURAND',
    rpps: rppsWithKey('9970100002'),
    professionCode: 10,
    specialtyCode: 'SM26',
  },
  {
    id: 'expire-leroy',
    role: 'expire',
    label: 'Carte CPS expirée — Dr Claire LEROY, médecin généraliste',
    givenName: 'CLAIRE',
    surname: 'LEROY',
    rpps: rppsWithKey('9970100003'),
    professionCode: 10,
    specialtyCode: 'SM26',
  },
  {
    id: 'etranger-moreau',
    role: 'etranger',
    label: 'Carte d’une autorité inconnue — Dr Hugo MOREAU',
    givenName: 'HUGO',
    surname: 'MOREAU',
    rpps: rppsWithKey('9970100004'),
    professionCode: 10,
    specialtyCode: 'SM26',
  },
];

/**
 * Software certificates of the GP's structure. INSI-AUTO / INSI-MANU follow
 * the published example (`O=<structure>, OU=<structure id>, CN=INSI-AUTO`);
 * the CN of the DMP organisation certificates is our choice (no public
 * sample): the structure's name.
 */
const STRUCTURE_NAME = 'CABINET MEDICAL MARTIN';
interface SoftwareSpec {
  id: string;
  role: 'insi-auto' | 'insi-manu' | 'dmp-auth' | 'dmp-signature';
  label: string;
  cn: string;
  friendlyName: string;
  extensions: ForgeExtension[];
}
const clientAuth: ForgeExtension[] = [
  { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
  { name: 'extKeyUsage', clientAuth: true },
];
const software: SoftwareSpec[] = [
  {
    id: 'insi-auto',
    role: 'insi-auto',
    label: 'Certificat logiciel INSI-AUTO de test — appels automatiques au téléservice INSi',
    cn: 'INSI-AUTO',
    friendlyName: 'INSI-AUTO',
    extensions: clientAuth,
  },
  {
    id: 'insi-manu',
    role: 'insi-manu',
    label: 'Certificat logiciel INSI-MANU de test — appels INSi déclenchés par l’utilisateur',
    cn: 'INSI-MANU',
    friendlyName: 'INSI-MANU',
    extensions: clientAuth,
  },
  {
    id: 'dmp-auth',
    role: 'dmp-auth',
    label: 'Certificat d’organisation DMP de test — authentification (TLS)',
    cn: STRUCTURE_NAME,
    friendlyName: 'authentification',
    extensions: clientAuth,
  },
  {
    id: 'dmp-signature',
    role: 'dmp-signature',
    label: 'Certificat d’organisation DMP de test — signature (VIHF)',
    cn: STRUCTURE_NAME,
    friendlyName: 'signature',
    extensions: [{ name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true }],
  },
];
const serviceLabels: Record<SandboxService, string> = {
  insi: 'INSi',
  dmp: 'DMP',
  annuaire: 'Annuaire Santé',
  psc: 'Pro Santé Connect',
  mss: 'MSSanté',
};

// ---------------------------------------------------------------------------

const DAY = 86_400_000;
const addDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY);
const addYears = (date: Date, years: number) => {
  const out = new Date(date);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
};

export interface CreateTestPkiOptions {
  /** The PKI's "now": validity periods, CRL dates. Default: the current time. */
  now?: Date;
  /** CRL lifetime (nextUpdate − thisUpdate). Default 30 days, so a sandbox PKI stays usable a month. */
  crlValidityDays?: number;
}

/**
 * Creates the test PKI in `dir` (created if needed; the entries listed in
 * PKI_ENTRIES are replaced when an earlier test PKI is there, refused with
 * CONFLICT when they belong to something else; nothing else is touched), writes `manifest.json`
 * and returns it. About 1–2 s on a 2-core machine (key generation runs in
 * Node's thread pool, in parallel).
 */
export async function createTestPki(dir: string, options: CreateTestPkiOptions = {}): Promise<PkiManifest> {
  const root = path.resolve(dir);
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const crlDays = options.crlValidityDays ?? 30;
  fs.mkdirSync(root, { recursive: true });
  // Our folders are only replaced when they belong to an earlier test PKI (its manifest is there).
  const clashes = PKI_ENTRIES.filter((entry) => entry !== MANIFEST_FILE && fs.existsSync(path.join(root, entry)));
  if (clashes.length > 0 && !fs.existsSync(path.join(root, MANIFEST_FILE))) {
    throw new CabinetError(
      'CONFLICT',
      `Le dossier ${root} contient déjà ${clashes.join(', ')}, qui n’appartiennent pas à une IGC de test : rien n’a été modifié.`,
    );
  }
  for (const entry of PKI_ENTRIES) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  for (const sub of ['ac', 'crl', 'cartes', 'logiciels', 'serveurs', 'etranger']) fs.mkdirSync(path.join(root, sub), { recursive: true });

  const write = (relative: string, data: string | Buffer, secret = false) => {
    fs.writeFileSync(path.join(root, ...relative.split('/')), data, { mode: secret ? 0o600 : 0o644 });
    return relative;
  };

  // All keys at once: the thread pool generates them in parallel.
  const keyCount = 4 + cards.length * 2 + software.length + sandboxServices.length;
  const keys = await Promise.all(Array.from({ length: keyCount }, newKey));
  const nextKey = () => keys.pop()!;

  // Authorities.
  const rootCa = issue({
    subject: igcName('TEST AC RACINE IGC-SANTE'),
    key: nextKey(),
    issuer: null,
    notBefore: addYears(now, -5),
    notAfter: addYears(now, 20),
    extensions: caExtensions(null, null),
  });
  const fort = issue({
    subject: igcName('TEST AC IGC-SANTE FORT PERSONNES'),
    key: nextKey(),
    issuer: rootCa,
    notBefore: addYears(now, -4),
    notAfter: addYears(now, 10),
    extensions: caExtensions(0, 'TEST-AC-RACINE.crl'),
  });
  const elem = issue({
    subject: igcName('TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS'),
    key: nextKey(),
    issuer: rootCa,
    notBefore: addYears(now, -4),
    notAfter: addYears(now, 10),
    extensions: caExtensions(0, 'TEST-AC-RACINE.crl'),
  });
  const foreignCa = issue({
    subject: [[[OID.C, 'FR']], [[OID.O, 'AUTORITE INCONNUE']], [[OID.OU, 'HORS IGC-SANTE']], [[OID.CN, 'TEST AC ETRANGERE PERSONNES']]],
    key: nextKey(),
    issuer: null,
    notBefore: addYears(now, -2),
    notAfter: addYears(now, 10),
    extensions: caExtensions(null, null),
  });

  const authorities: PkiAuthority[] = [];
  const addAuthority = (id: string, label: string, kind: PkiAuthority['kind'], cert: Issued, issuer: string, file: string) => {
    const parsed = parseCertificate(cert.der);
    const trusted = kind !== 'etrangere';
    const entry: PkiAuthority = {
      id,
      label,
      subject: formatName(parsed.subject),
      kind,
      issuer,
      trusted,
      certDer: write(`${file}.der`, cert.der),
      serial: cert.serialHex,
      notAfter: cert.notAfter.toISOString(),
    };
    if (trusted) entry.certPem = write(`${file}.pem`, cert.pem);
    authorities.push(entry);
    return entry;
  };
  const rootEntry = addAuthority('racine', 'Autorité racine de test IGC-Santé', 'racine', rootCa, 'racine', 'ac/racine');
  addAuthority(
    'fort-personnes',
    'Autorité de test des cartes des professionnels (FORT PERSONNES)',
    'intermediaire',
    fort,
    'racine',
    'ac/fort-personnes',
  );
  addAuthority(
    'elementaire-organisations',
    'Autorité de test des certificats logiciels et serveurs (ELEMENTAIRE ORGANISATIONS)',
    'intermediaire',
    elem,
    'racine',
    'ac/elementaire-organisations',
  );
  addAuthority(
    'etrangere',
    'Autorité étrangère à l’IGC-Santé (cartes « inconnues »)',
    'etrangere',
    foreignCa,
    'etrangere',
    'etranger/ac-etrangere',
  );

  const chainFort = write('ac/chaine-fort-personnes.pem', fort.pem + rootCa.pem);
  const chainElem = write('ac/chaine-elementaire-organisations.pem', elem.pem + rootCa.pem);

  // Cards: an authentication and a signature certificate, one .p12.
  const identities: PkiIdentity[] = [];
  const revokedFort: { serialHex: string; date: Date }[] = [];
  for (const card of cards) {
    const foreign = card.role === 'etranger';
    const issuer = foreign ? foreignCa : fort;
    const idNatPs = card.rpps ? `8${card.rpps}` : `0${card.adeli!}`;
    const subject: RdnSpec[] = [
      [[OID.C, 'FR']],
      [[OID.title, professionLabel(String(card.professionCode))]],
      [
        [OID.GN, card.givenName],
        [OID.CN, idNatPs],
        [OID.SN, card.surname],
      ],
    ];
    const expired = card.role === 'expire';
    const notBefore = expired ? addYears(now, -3) : addDays(now, -30);
    const notAfter = expired ? addDays(now, -30) : addYears(now, 3);
    const common: ForgeExtension[] = [
      { name: 'basicConstraints', cA: false },
      policies(CPS_TEST_POLICY),
      {
        name: 'cRLDistributionPoints',
        altNames: [{ type: 6, value: crlUrl(foreign ? 'TEST-AC-ETRANGERE.crl' : 'TEST-AC-FORT-PERSONNES.crl') }],
      },
      profession(card.professionCode),
    ];
    const auth = issue({
      subject,
      key: nextKey(),
      issuer,
      notBefore,
      notAfter,
      extensions: [{ name: 'keyUsage', critical: true, digitalSignature: true }, { name: 'extKeyUsage', clientAuth: true }, ...common],
    });
    // As on the real test card sampled in the notes: nonRepudiation (critical) and emailProtection.
    const sign = issue({
      subject,
      key: nextKey(),
      issuer,
      notBefore,
      notAfter,
      extensions: [{ name: 'keyUsage', critical: true, nonRepudiation: true }, { name: 'extKeyUsage', emailProtection: true }, ...common],
    });
    if (card.role === 'revoque') {
      revokedFort.push({ serialHex: auth.serialHex, date: addDays(now, -2) }, { serialHex: sign.serialHex, date: addDays(now, -2) });
    }
    const chain = foreign ? [foreignCa] : [fort, rootCa];
    const p12 = buildPkcs12({
      entries: [
        { friendlyName: 'authentification', keyPkcs8Der: auth.key.privateKey.export({ type: 'pkcs8', format: 'der' }), certDer: auth.der },
        { friendlyName: 'signature', keyPkcs8Der: sign.key.privateKey.export({ type: 'pkcs8', format: 'der' }), certDer: sign.der },
      ],
      chainDer: chain.map((c) => c.der),
      password: TEST_P12_PASSWORD,
    });
    const entry: PkiIdentity = {
      id: card.id,
      role: card.role,
      label: card.label,
      issuer: foreign ? 'etrangere' : 'fort-personnes',
      subject: formatName(parseCertificate(auth.der).subject),
      serial: auth.serialHex,
      signatureSerial: sign.serialHex,
      notAfter: notAfter.toISOString(),
      idNatPs,
      givenName: card.givenName,
      surname: card.surname,
      professionCode: String(card.professionCode),
      p12: write(`cartes/${card.id}.p12`, p12, true),
      password: TEST_P12_PASSWORD,
      pin: TEST_CARD_PIN,
      certPem: write(`cartes/${card.id}-authentification.pem`, auth.pem),
      signatureCertPem: write(`cartes/${card.id}-signature.pem`, sign.pem),
    };
    if (card.rpps) entry.rpps = card.rpps;
    if (card.adeli) entry.adeli = card.adeli;
    if (card.specialtyCode) entry.specialtyCode = card.specialtyCode;
    if (!foreign) entry.chainPem = chainFort;
    if (expired) entry.expired = true;
    if (card.role === 'revoque') entry.revoked = true;
    identities.push(entry);
  }

  // Software certificates of the structure: one key + certificate + chain per .p12.
  for (const spec of software) {
    const subject: RdnSpec[] = [
      [[OID.C, 'FR']],
      [[OID.ST, 'Paris (75)']],
      [[OID.O, STRUCTURE_NAME]],
      [[OID.OU, TEST_STRUCTURE_ID]],
      [[OID.CN, spec.cn]],
    ];
    const notAfter = addYears(now, 3);
    const cert = issue({
      subject,
      key: nextKey(),
      issuer: elem,
      notBefore: addDays(now, -30),
      notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        ...spec.extensions,
        { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl('TEST-AC-ELEMENTAIRE-ORGANISATIONS.crl') }] },
      ],
    });
    const p12 = buildPkcs12({
      entries: [
        { friendlyName: spec.friendlyName, keyPkcs8Der: cert.key.privateKey.export({ type: 'pkcs8', format: 'der' }), certDer: cert.der },
      ],
      chainDer: [elem.der, rootCa.der],
      password: TEST_P12_PASSWORD,
    });
    identities.push({
      id: spec.id,
      role: spec.role,
      label: spec.label,
      issuer: 'elementaire-organisations',
      subject: formatName(parseCertificate(cert.der).subject),
      serial: cert.serialHex,
      notAfter: notAfter.toISOString(),
      structureId: TEST_STRUCTURE_ID,
      p12: write(`logiciels/${spec.id}.p12`, p12, true),
      password: TEST_P12_PASSWORD,
      certPem: write(`logiciels/${spec.id}.pem`, cert.pem),
      chainPem: chainElem,
    });
  }

  // One server certificate per local sandbox.
  for (const service of sandboxServices) {
    const notAfter = addYears(now, 2);
    const cert = issue({
      subject: [[[OID.C, 'FR']], [[OID.O, 'BAC A SABLE CABINET']], [[OID.OU, serviceLabels[service]]], [[OID.CN, 'localhost']]],
      key: nextKey(),
      issuer: elem,
      notBefore: addDays(now, -1),
      notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
        { name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl('TEST-AC-ELEMENTAIRE-ORGANISATIONS.crl') }] },
      ],
    });
    identities.push({
      id: `serveur-${service}`,
      role: 'serveur',
      label: `Certificat serveur du bac à sable ${serviceLabels[service]} (localhost, 127.0.0.1)`,
      issuer: 'elementaire-organisations',
      subject: formatName(parseCertificate(cert.der).subject),
      serial: cert.serialHex,
      notAfter: notAfter.toISOString(),
      service,
      certPem: write(`serveurs/${service}.pem`, cert.pem),
      keyPem: write(`serveurs/${service}-cle.pem`, cert.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), true),
      chainPem: chainElem,
    });
  }

  // CRLs: the root's (for the intermediates) and one per intermediate.
  const crls: PkiCrl[] = [];
  const thisUpdate = new Date(now.getTime() - 3600_000);
  const nextUpdate = addDays(now, crlDays);
  const makeCrl = async (id: string, issuerId: string, issuer: Issued, file: string, revoked: { serialHex: string; date: Date }[]) => {
    const signingKey = await crypto.webcrypto.subtle.importKey(
      'pkcs8',
      issuer.key.privateKey.export({ type: 'pkcs8', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const number = 1;
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: new x509.Name(new Uint8Array(issuer.subjectDer)),
        thisUpdate,
        nextUpdate,
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        signingKey,
        extensions: [
          new x509.AuthorityKeyIdentifierExtension(forge.util.bytesToHex(issuer.ski)),
          new x509.Extension('2.5.29.20', false, toDer(asn1.create(U, T.INTEGER, false, asn1.integerToDer(number).getBytes()))),
        ],
        entries: revoked.map((r) => ({ serialNumber: r.serialHex, revocationDate: r.date, reason: x509.X509CrlReason.keyCompromise })),
      },
      // Node's WebCrypto; cast because DOM and Node typings of Crypto differ (the e2e tests type-check with DOM).
      crypto.webcrypto as unknown as Parameters<typeof x509.X509CrlGenerator.create>[1],
    );
    const der = Buffer.from(crl.rawData);
    crls.push({
      id,
      issuer: issuerId,
      der: write(`crl/${file}.crl`, der),
      pem: write(`crl/${file}.crl.pem`, derToPem(der, 'X509 CRL')),
      number,
      thisUpdate: thisUpdate.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      revokedSerials: revoked.map((r) => r.serialHex),
    });
  };
  await makeCrl('racine', 'racine', rootCa, 'racine', []);
  await makeCrl('fort-personnes', 'fort-personnes', fort, 'fort-personnes', revokedFort);
  await makeCrl('elementaire-organisations', 'elementaire-organisations', elem, 'elementaire-organisations', []);

  const manifest = { createdAt: now.toISOString(), root: rootEntry, authorities, crls, identities };
  pkiManifestSchema.parse(manifest);
  write(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`, true);
  return { ...manifest, dir: root };
}
