/**
 * Test helpers for the INSi sandbox, independent of Cabinet's INSi client:
 * request envelopes shaped like the recorded CNDA requests (notes
 * ins-cps.md §2.2), a CPS assertion signed with a test PKI card, an HTTPS
 * client with keep-alive and optional client certificate, and readers for
 * RESULTAT and SOAP 1.2 faults (by namespace, never by prefix).
 */
import crypto, { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { KeySigner } from '../../electron/identity/login/key-signer.js';
import { readPkcs12 } from '../../sandboxes/pki/pkcs12.js';
import { identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { subjectDn } from '../../electron/identity/vihf/subject-dn.js';
import { signAssertion } from '../../electron/identity/vihf/vihf.js';
import { escapeXmlText } from '../../electron/platform/xml/escape.js';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  ctxbam: 'urn:siram:bam:ctxbam',
  ctxlps: 'urn:siram:lps:ctxlps',
  recsans: 'http://www.cnamts.fr/INSiRecSans',
  recvit: 'http://www.cnamts.fr/INSiRecVit',
  resultat: 'http://www.cnamts.fr/INSiResultat',
  siram: 'urn:siram',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
} as const;

export const ACTION = {
  traits: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite',
  vitale: 'urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale',
} as const;

const esc = (text: string) => escapeXmlText(text, 'requête INSi de test');

export interface TraitsInput {
  nomNaissance?: string;
  prenoms?: string[];
  sexe?: string;
  dateNaissance?: string;
  lieuNaissance?: string;
}

export interface VitaleInput {
  matriculeIndividu?: string;
  matriculeOD?: string;
  nomNaissance?: string;
  dateNaissance?: string;
  rangNaissance?: string;
}

/** RECSANSVITALE with the prefixed style of the CNDA requests. */
export function traitsBody(t: TraitsInput): string {
  const el = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<insi_recsans_ins:${name}>${esc(value)}</insi_recsans_ins:${name}>`;
  return (
    `<insi_recsans_ins:RECSANSVITALE xmlns:insi_recsans_ins="${NS.recsans}" xmlns="${NS.recsans}">` +
    el('NomNaissance', t.nomNaissance) +
    (t.prenoms ?? []).map((p) => el('Prenom', p)).join('') +
    el('Sexe', t.sexe) +
    el('DateNaissance', t.dateNaissance) +
    el('LieuNaissance', t.lieuNaissance) +
    `</insi_recsans_ins:RECSANSVITALE>`
  );
}

export function vitaleBody(v: VitaleInput): string {
  const num = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<${name}><NumIdentifiant>${esc(value)}</NumIdentifiant></${name}>`;
  const el = (name: string, value: string | undefined) => (value === undefined ? '' : `<${name}>${esc(value)}</${name}>`);
  return (
    `<RECVITALE xmlns="${NS.recvit}">` +
    num('MatriculeIndividu', v.matriculeIndividu) +
    num('MatriculeOD', v.matriculeOD) +
    el('NomNaissance', v.nomNaissance) +
    el('DateNaissance', v.dateNaissance) +
    el('RangNaissance', v.rangNaissance) +
    `</RECVITALE>`
  );
}

export function bamXml(couverture = '', extra = ''): string {
  return (
    `<ctxbam:ContexteBAM xmlns:ctxbam="${NS.ctxbam}" Version="01_02">` +
    `<ctxbam:Id>${randomUUID()}</ctxbam:Id><ctxbam:Temps>${new Date().toISOString()}</ctxbam:Temps>` +
    `<ctxbam:Emetteur>499700367909006</ctxbam:Emetteur>${extra}<ctxbam:COUVERTURE>${couverture}</ctxbam:COUVERTURE></ctxbam:ContexteBAM>`
  );
}

export function lpsXml(idam: string, version = '0.1.0'): string {
  return (
    `<ctxlps:ContexteLPS xmlns:ctxlps="${NS.ctxlps}" Nature="CTXLPS" Version="01_00">` +
    `<ctxlps:Id>${randomUUID()}</ctxlps:Id><ctxlps:Temps>${new Date().toISOString()}</ctxlps:Temps><ctxlps:Emetteur>499700367909006</ctxlps:Emetteur>` +
    `<ctxlps:LPS><ctxlps:IDAM R="4">${esc(idam)}</ctxlps:IDAM><ctxlps:Version>${version}</ctxlps:Version>` +
    `<ctxlps:Instance>${randomUUID()}</ctxlps:Instance><ctxlps:Nom>urn:lps:cabinet:${version}</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>`
  );
}

export interface EnvelopeOptions {
  body: string;
  action?: string | null;
  messageId?: string | null;
  idam?: string;
  /** Raw ContexteBAM (null: left out). */
  bam?: string | null;
  lps?: string | null;
  /** A signed assertion to put in wsse:Security. */
  assertion?: string;
  /** Raw wsse:Security (overrides `assertion`). */
  security?: string;
  extraHeaders?: string;
}

export function envelope(o: EnvelopeOptions): string {
  const action = o.action === undefined ? ACTION.traits : o.action;
  const messageId = o.messageId === undefined ? `uuid:${randomUUID()}` : o.messageId;
  const security = o.security ?? (o.assertion ? `<wsse:Security xmlns:wsse="${NS.wsse}">${o.assertion}</wsse:Security>` : '');
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${NS.soap}"><soap:Header>` +
    (o.bam === null ? '' : (o.bam ?? bamXml())) +
    (o.lps === null ? '' : (o.lps ?? lpsXml(o.idam ?? 'CABINET-BAS-0001'))) +
    (action === null ? '' : `<wsa:Action xmlns:wsa="${NS.wsa}">${esc(action)}</wsa:Action>`) +
    (messageId === null ? '' : `<wsa:MessageID xmlns:wsa="${NS.wsa}">${esc(messageId)}</wsa:MessageID>`) +
    security +
    (o.extraHeaders ?? '') +
    `</soap:Header><soap:Body>${o.body}</soap:Body></soap:Envelope>`
  );
}

// ---------------------------------------------------------------------------
// Credentials from the test PKI

export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** The key and certificate of a test PKI .p12 (`friendlyName`: INSI-AUTO, authentification, signature…). */
export function p12Pair(manifest: PkiManifest, id: string, friendlyName: string): PemPair {
  const entry = identity(manifest, id);
  const content = readPkcs12(fs.readFileSync(pkiPath(manifest, entry.p12!)), entry.password!);
  const key = content.keys.find((k) => k.friendlyName === friendlyName);
  const cert = content.certificates.find((c) => c.friendlyName === friendlyName);
  if (!key || !cert) throw new Error(`${id} : pas de paire « ${friendlyName} »`);
  return { keyPem: key.keyPem, certPem: new crypto.X509Certificate(cert.der).toString() };
}

export interface AssertionOptions {
  now?: Date;
  nameId?: string;
  /** Adds Conditions NotBefore/NotOnOrAfter. */
  conditions?: { notBefore: Date; notOnOrAfter: Date };
  /** Changes the assertion before it is signed (e.g. to make it schema-invalid but correctly signed). */
  beforeSigning?: (xml: string) => string;
}

/** A CPS assertion shaped like the recorded one (notes §2.4), signed with a card's signature key. */
export function cpsAssertion(manifest: PkiManifest, cardId: string, options: AssertionOptions = {}): string {
  const pair = p12Pair(manifest, cardId, 'signature');
  const now = options.now ?? new Date();
  const card = identity(manifest, cardId);
  const conditions = options.conditions
    ? `<Conditions NotBefore="${options.conditions.notBefore.toISOString()}" NotOnOrAfter="${options.conditions.notOnOrAfter.toISOString()}"/>`
    : '';
  const unsigned =
    `<Assertion xmlns="${NS.saml}" ID="_${randomUUID()}" IssueInstant="${now.toISOString()}" Version="2.0">` +
    `<Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">${esc(subjectDn(pair.certPem))}</Issuer>` +
    `<Subject><NameID NameQualifier="CPS">${esc(options.nameId ?? card.idNatPs!)}</NameID></Subject>${conditions}` +
    `<AttributeStatement><Attribute Name="identifiantFacturation"><AttributeValue>123456789</AttributeValue></Attribute>` +
    `<Attribute Name="secteurActivite"><AttributeValue>SA07</AttributeValue></Attribute></AttributeStatement></Assertion>`;
  const signer = new KeySigner(pair.keyPem, pair.certPem, []);
  // signAssertion locates saml2:Issuer by namespace; the default-namespace form above is the recorded one.
  return signAssertion(options.beforeSigning ? options.beforeSigning(unsigned) : unsigned, signer);
}

// ---------------------------------------------------------------------------
// HTTPS

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class InsiTestClient {
  readonly agent: https.Agent;
  constructor(
    readonly url: string,
    options: { caPem: string; client?: PemPair },
  ) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ca: options.caPem,
      ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
    });
  }

  post(body: string | Buffer, options: { contentType?: string; path?: string; method?: string } = {}): Promise<Answer> {
    const target = options.path ? new URL(options.path, this.url).toString() : this.url;
    return new Promise((resolve, reject) => {
      const req = https.request(
        target,
        {
          method: options.method ?? 'POST',
          agent: this.agent,
          headers: {
            'content-type': options.contentType ?? 'application/soap+xml; charset=utf-8',
            'content-length': String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------
// Reading answers

function parse(text: string): Element {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(text, 'text/xml');
  return doc.documentElement!;
}

function kids(parent: Element | null | undefined, ns: string, name: string): Element[] {
  if (!parent) return [];
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}
const kid = (parent: Element | null | undefined, ns: string, name: string) => kids(parent, ns, name)[0] ?? null;
const txt = (e: Element | null | undefined) => (e?.textContent ?? '').trim();

export interface InsRead {
  matricule: string;
  cle: string;
  oid: string;
  typeMatricule?: string;
  dateDeb?: string;
  dateFin?: string;
}

export interface ResultatRead {
  action: string;
  relatesTo: string;
  codeCR: string;
  libelleCR: string;
  actif: InsRead | null;
  histo: InsRead[];
  tiq: Record<string, string> | null;
  /** The RESULTAT element as sent. */
  resultatXml: string;
}

function readIns(e: Element): InsRead {
  const id = kid(e, NS.resultat, 'IdIndividu');
  const out: InsRead = {
    matricule: txt(kid(id, NS.resultat, 'NumIdentifiant')),
    cle: txt(kid(id, NS.resultat, 'Cle')),
    oid: txt(kid(e, NS.resultat, 'OID')),
  };
  const type = kid(id, NS.resultat, 'TypeMatricule');
  if (type) out.typeMatricule = txt(type);
  const deb = kid(e, NS.resultat, 'DateDeb');
  if (deb) out.dateDeb = txt(deb);
  const fin = kid(e, NS.resultat, 'DateFin');
  if (fin) out.dateFin = txt(fin);
  return out;
}

export function readResultat(text: string): ResultatRead {
  const envelope = parse(text);
  const header = kid(envelope, NS.soap, 'Header');
  const body = kid(envelope, NS.soap, 'Body');
  const resultat = kid(body, NS.resultat, 'RESULTAT');
  if (!resultat) throw new Error(`pas de RESULTAT : ${text.slice(0, 400)}`);
  const cr = kid(resultat, NS.resultat, 'CR');
  const individu = kid(resultat, NS.resultat, 'INDIVIDU');
  const tiq = kid(individu, NS.resultat, 'TIQ');
  const start = text.indexOf('<RESULTAT');
  const end = text.indexOf('</RESULTAT>') + '</RESULTAT>'.length;
  return {
    action: txt(kid(header, NS.wsa, 'Action')),
    relatesTo: txt(kid(header, NS.wsa, 'RelatesTo')),
    codeCR: txt(kid(cr, NS.resultat, 'CodeCR')),
    libelleCR: txt(kid(cr, NS.resultat, 'LibelleCR')),
    actif: individu ? readIns(kid(individu, NS.resultat, 'INSACTIF')!) : null,
    histo: kids(individu, NS.resultat, 'INSHISTO').map(readIns),
    tiq: tiq
      ? Object.fromEntries(
          Array.from({ length: tiq.childNodes.length }, (_, i) => tiq.childNodes[i]!)
            .filter((n) => n.nodeType === 1)
            .map((n) => [(n as Element).localName!, txt(n as Element)]),
        )
      : null,
    resultatXml: text.slice(start, end),
  };
}

export interface FaultRead {
  /** Value texts as sent (QNames with their prefix) and resolved. */
  code: string;
  codeNs: string | null;
  subcode: string | null;
  subcodeNs: string | null;
  reason: string;
  lang: string | null;
  erreur: { code: string; severite: string; messageID: string | null; text: string } | null;
  /** The Erreur element as sent. */
  erreurXml: string | null;
}

function qname(e: Element | null): { value: string; ns: string | null } | null {
  if (!e) return null;
  const value = txt(e);
  const prefix = value.includes(':') ? value.split(':')[0]! : null;
  return { value, ns: e.lookupNamespaceURI(prefix) };
}

export function readFault(text: string): FaultRead {
  const envelope = parse(text);
  const fault = kid(kid(envelope, NS.soap, 'Body'), NS.soap, 'Fault');
  if (!fault) throw new Error(`pas de Fault : ${text.slice(0, 400)}`);
  const codeEl = kid(fault, NS.soap, 'Code');
  const code = qname(kid(codeEl, NS.soap, 'Value'))!;
  const sub = qname(kid(kid(codeEl, NS.soap, 'Subcode'), NS.soap, 'Value'));
  const reasonText = kid(kid(fault, NS.soap, 'Reason'), NS.soap, 'Text');
  const erreur = kid(kid(fault, NS.soap, 'Detail'), NS.siram, 'Erreur');
  const start = text.indexOf('<siram:Erreur');
  return {
    code: code.value,
    codeNs: code.ns,
    subcode: sub?.value ?? null,
    subcodeNs: sub?.ns ?? null,
    reason: txt(reasonText),
    lang: reasonText?.getAttributeNS('http://www.w3.org/XML/1998/namespace', 'lang') ?? null,
    erreur: erreur
      ? {
          code: erreur.getAttribute('code') ?? '',
          severite: erreur.getAttribute('severite') ?? '',
          messageID: erreur.getAttribute('messageID'),
          text: txt(erreur),
        }
      : null,
    erreurXml: start >= 0 ? text.slice(start, text.indexOf('</siram:Erreur>') + '</siram:Erreur>'.length) : null,
  };
}
