/**
 * IHE XDM (`IHE_XDM.ZIP`) for MSSanté (notes mss.md §2.1), in memory.
 *
 * - {@link buildXdm}: README.TXT, INDEX.HTM, `IHE_XDM/SUBSET01/METADATA.XML`
 *   (XDS metadata taken from the CDA header, completed or overridden by the
 *   caller), the CDA, and optionally a PDF as a second document entry.
 * - {@link readXdm}: every `IHE_XDM/<subset>/METADATA.XML` found (the ANS
 *   sample names its subset `SS000001`; one leading folder is tolerated),
 *   each document resolved from its `URI` slot (relative to the subset
 *   folder, or to `IHE_XDM/` as in the ANS sample), size and SHA-1 checked,
 *   CDA headers read, the patient INS reported. Zip limits: ./zip.ts.
 */
import crypto from 'node:crypto';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { escapeXml } from '../xml.js';
import { readCdaHeader, toXdsTime, type CdaHeader, type Coded } from './cda.js';
import {
  authorXcn,
  buildMetadataXml,
  institutionXon,
  parsePatientId,
  patientIdCx,
  readMetadataXml,
  type ParsedPatientId,
  type XdsDocumentEntry,
  type XdsSubmissionSet,
} from './metadata.js';
import { readZip, unsafeEntryName, writeZip, type ZipLimits } from './zip.js';

export { type ZipLimits } from './zip.js';
export type { CdaHeader, Coded } from './cda.js';

export const XDM_FILE_NAME = 'IHE_XDM.ZIP';
export const XDM_SUBSET = 'SUBSET01';

/** Classification defaults [I]: check against the CI-SIS « Volet Echange de documents de santé » tables. */
export const XDM_DEFAULTS = {
  /** ASIP-SANTE classCode (1.2.250.1.213.1.1.4.1) « 10 Compte rendu ». */
  classCode: { code: '10', codeSystem: '1.2.250.1.213.1.1.4.1', displayName: 'Compte rendu' },
  /** IHE PDF/A in a CDA level 1 (nonXMLBody). */
  formatPdfCda: {
    code: 'urn:ihe:iti:xds-sd:pdf:2008',
    codeSystem: '1.3.6.1.4.1.19376.1.2.3',
    displayName: 'Document à corps non structuré en Pdf/A-1',
  },
  /** A structured CDA with no specific volet format given: the CI-SIS generic format. */
  formatCdaStructure: { code: 'urn:ihe:pcc:xds-ms:2007', codeSystem: '1.3.6.1.4.1.19376.1.2.3', displayName: 'Document structuré (CDA)' },
  formatPdf: { code: 'urn:ihe:iti:xds-sd:pdf:2008', codeSystem: '1.3.6.1.4.1.19376.1.2.3', displayName: 'PDF/A' },
  confidentiality: { code: 'N', codeSystem: '2.16.840.1.113883.5.25', displayName: 'Normal' },
  /** OID of the source (the LPS). Replace with Cabinet's registered OID when there is one [I]. */
  sourceId: '2.25.299412795125640219587331016151412452129',
} as const;

export interface XdmMetadataInput {
  classCode?: Coded;
  typeCode?: Coded;
  formatCode?: Coded;
  healthcareFacilityType?: Coded;
  practiceSetting?: Coded;
  confidentiality?: Coded[];
  eventCodes?: Coded[];
  title?: string;
}

export interface BuildXdmInput {
  cda: { xml: Buffer | string; metadata?: XdmMetadataInput };
  /** A PDF copy, added as a second document entry (the mail also carries it beside the zip, ECO.2.1.1). */
  pdf?: { data: Buffer; title?: string };
  submission?: { title?: string; sourceId?: string; contentType?: Coded };
  /** For tests and reproducible archives. */
  now?: Date;
  /** Shown in README.TXT. */
  product?: { name: string; version: string; contact?: string };
}

function uuidOid(): string {
  return `2.25.${BigInt(`0x${crypto.randomUUID().replace(/-/g, '')}`).toString(10)}`;
}

const sha1 = (b: Buffer) => crypto.createHash('sha1').update(b).digest('hex');
const nowDtm = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

function missing(what: string, where: string): CabinetError {
  return new CabinetError(
    'INVALID_REQUEST',
    `Archive IHE_XDM impossible : métadonnée « ${what} » absente (ni dans l’en-tête CDA — ${where} —, ni fournie).`,
    { reason: 'metadonnee', metadonnee: what },
  );
}

function isPdf(data: Buffer): boolean {
  return data.subarray(0, 5).toString('latin1') === '%PDF-';
}

/** Builds `IHE_XDM.ZIP` in memory. Throws a French INVALID_REQUEST when the CDA or the metadata is not enough. */
export async function buildXdm(input: BuildXdmInput): Promise<Buffer> {
  const now = input.now ?? new Date();
  const cdaBytes = Buffer.isBuffer(input.cda.xml) ? input.cda.xml : Buffer.from(input.cda.xml, 'utf8');
  const header = readCdaHeader(cdaBytes);
  const m = input.cda.metadata ?? {};
  const facility = m.healthcareFacilityType ?? header.healthcareFacilityType;
  if (!facility) throw missing('healthcareFacilityTypeCode', 'componentOf/encompassingEncounter/location/healthCareFacility/code');
  const practice = m.practiceSetting ?? header.practiceSetting;
  if (!practice)
    throw missing(
      'practiceSettingCode',
      'documentationOf/serviceEvent/performer/assignedEntity/representedOrganization/standardIndustryClassCode',
    );
  if (!header.author?.id) throw missing('authorPerson', 'author/assignedAuthor/id/@extension');

  const pid = header.patient.ins
    ? patientIdCx(header.patient.ins.valeur, header.patient.ins.oid, 'NH')
    : header.patient.ids[0]?.extension
      ? patientIdCx(header.patient.ids[0].extension, header.patient.ids[0].root, 'PI')
      : undefined;
  if (!pid) throw missing('patientId', 'recordTarget/patientRole/id');
  if (header.patient.ins && !header.patient.ins.cleValide) {
    throw new CabinetError(
      'INVALID_REQUEST',
      `Archive IHE_XDM impossible : l’INS du document CDA (${header.patient.ins.valeur}) a une clé incorrecte.`,
      { reason: 'ins' },
    );
  }
  if (input.pdf && !isPdf(input.pdf.data))
    throw new CabinetError('INVALID_REQUEST', 'Archive IHE_XDM impossible : le fichier joint n’est pas un PDF (signature %PDF- absente).', {
      reason: 'pdf',
    });

  const author = { person: authorXcn(header.author), institution: header.author.organisation ? institutionXon(header.author) : undefined };
  const authors = [Object.fromEntries(Object.entries(author).filter(([, v]) => v !== undefined))];
  const pidInfo: string[] = [];
  const nom = header.patient.nomNaissance ?? header.patient.nomUtilise;
  if (nom || header.patient.prenoms)
    pidInfo.push(
      `PID-5|${(nom ?? '').replace(/[\^|]/g, ' ')}^${(header.patient.prenoms?.split(' ')[0] ?? '').replace(/[\^|]/g, ' ')}^^^^^L`,
    );
  if (header.patient.dateNaissance) pidInfo.push(`PID-7|${header.patient.dateNaissance.slice(0, 8)}`);
  if (header.patient.sexe) pidInfo.push(`PID-8|${header.patient.sexe}`);

  const base = {
    sourcePatientId: pid,
    sourcePatientInfo: pidInfo,
    patientId: pid,
    authors,
    healthcareFacilityType: facility,
    practiceSetting: practice,
    languageCode: header.languageCode ?? 'fr-FR',
    ...(header.legalAuthenticator ? { legalAuthenticator: authorXcn(header.legalAuthenticator) } : {}),
    ...(toXdsTime(header.serviceStart) ? { serviceStartTime: toXdsTime(header.serviceStart) } : {}),
    ...(toXdsTime(header.serviceStop) ? { serviceStopTime: toXdsTime(header.serviceStop) } : {}),
  };
  const cdaName = 'DOC0001.XML';
  const documents: XdsDocumentEntry[] = [
    {
      ...base,
      id: 'Document01',
      mimeType: 'text/xml',
      uri: cdaName,
      uniqueId: header.uniqueId,
      title: m.title ?? header.title ?? header.code.displayName ?? header.code.code,
      creationTime: toXdsTime(header.effectiveTime) ?? nowDtm(now),
      hash: sha1(cdaBytes),
      size: cdaBytes.length,
      classCode: m.classCode ?? XDM_DEFAULTS.classCode,
      typeCode: m.typeCode ?? header.code,
      formatCode: m.formatCode ?? (header.nonXmlBody ? XDM_DEFAULTS.formatPdfCda : XDM_DEFAULTS.formatCdaStructure),
      confidentiality: m.confidentiality ?? (header.confidentiality ? [header.confidentiality] : [XDM_DEFAULTS.confidentiality]),
      eventCodes: m.eventCodes ?? [],
    },
  ];
  const files: { name: string; data: Buffer }[] = [{ name: `IHE_XDM/${XDM_SUBSET}/${cdaName}`, data: cdaBytes }];
  if (input.pdf) {
    const pdfName = 'DOC0002.PDF';
    documents.push({
      ...base,
      id: 'Document02',
      mimeType: 'application/pdf',
      uri: pdfName,
      uniqueId: uuidOid(),
      title: input.pdf.title ?? `${documents[0]?.title ?? 'Document'} (PDF)`,
      creationTime: nowDtm(now),
      hash: sha1(input.pdf.data),
      size: input.pdf.data.length,
      classCode: m.classCode ?? XDM_DEFAULTS.classCode,
      typeCode: m.typeCode ?? header.code,
      formatCode: XDM_DEFAULTS.formatPdf,
      confidentiality: m.confidentiality ?? (header.confidentiality ? [header.confidentiality] : [XDM_DEFAULTS.confidentiality]),
      eventCodes: m.eventCodes ?? [],
    });
    files.push({ name: `IHE_XDM/${XDM_SUBSET}/${pdfName}`, data: input.pdf.data });
  }
  const submissionSet: XdsSubmissionSet = {
    id: 'SubmissionSet01',
    uniqueId: uuidOid(),
    sourceId: input.submission?.sourceId ?? XDM_DEFAULTS.sourceId,
    patientId: pid,
    submissionTime: nowDtm(now),
    title: input.submission?.title ?? documents[0]?.title ?? 'Envoi MSSanté',
    // contentTypeCode is R2 in XDM: written only when the caller knows it (no guessed default).
    ...(input.submission?.contentType ? { contentType: input.submission.contentType } : {}),
    authors,
  };
  const metadataXml = buildMetadataXml({ submissionSet, documents });
  const product = input.product ?? { name: 'Cabinet', version: '0' };
  const readme = [
    'IHE XDM (ITI-32) - archive creee par le logiciel de professionnel de sante',
    `Logiciel : ${product.name} ${product.version}`,
    ...(product.contact ? [`Contact : ${product.contact}`] : []),
    `Date : ${now.toISOString()}`,
    `Documents : IHE_XDM/${XDM_SUBSET}/ (metadonnees XDS dans METADATA.XML)`,
    '',
  ].join('\r\n');
  const index = `<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>${escapeXml(submissionSet.title ?? '')}</title></head><body><h1>${escapeXml(submissionSet.title ?? '')}</h1><ul>${documents
    .map(
      (d) =>
        `<li><a href="IHE_XDM/${XDM_SUBSET}/${escapeXml(d.uri ?? '')}">${escapeXml(d.title ?? d.uri ?? '')}</a> (${escapeXml(d.mimeType)})</li>`,
    )
    .join('')}</ul><p><a href="README.TXT">README.TXT</a></p></body></html>\n`;
  return writeZip(
    [
      { name: 'README.TXT', data: Buffer.from(readme, 'latin1') },
      { name: 'INDEX.HTM', data: Buffer.from(index, 'utf8') },
      { name: `IHE_XDM/${XDM_SUBSET}/METADATA.XML`, data: Buffer.from(metadataXml, 'utf8') },
      ...files,
    ],
    now,
  );
}

// ---------------------------------------------------------------------------
// Reading

export interface XdmDocument {
  /** The subset folder (`SUBSET01`, `SS000001`). */
  sousDossier: string;
  metadata: XdsDocumentEntry;
  /** Path of the file in the archive, when found. */
  chemin?: string;
  /** The bytes; absent when METADATA.XML names a file the archive lacks. */
  contenu?: Buffer;
  taille?: number;
  /** SHA-1 and size from METADATA.XML compared with the bytes. */
  verification: {
    empreinte: 'conforme' | 'differente' | 'non_declaree' | 'fichier_absent';
    taille: 'conforme' | 'differente' | 'non_declaree' | 'fichier_absent';
  };
  patient?: ParsedPatientId;
  /** When the document is a CDA: its header. */
  cda?: CdaHeader;
}

export interface XdmReadResult {
  sousDossiers: { nom: string; metadata: string; lot?: XdsSubmissionSet }[];
  documents: XdmDocument[];
  /** The patient (one per message, ECO.2.1.1): from the submission set, else the first document. */
  patient?: ParsedPatientId & { nom?: string; prenom?: string; dateNaissance?: string; sexe?: string };
  /** Every file of the archive. */
  fichiers: string[];
  avertissements: string[];
}

export interface ReadXdmLimits extends ZipLimits {
  /** Largest METADATA.XML or CDA header read. */
  maxXmlBytes: number;
}

const METADATA_PATH = /^(?:([^/]+)\/)?IHE_XDM\/([^/]+)\/METADATA\.XML$/i;

/** Reads an XDM archive in memory. Throws a French {@link CabinetError} when the archive must be refused. */
export async function readXdm(buffer: Buffer, limits: Partial<ReadXdmLimits> = {}): Promise<XdmReadResult> {
  const entries = await readZip(buffer, limits);
  const byName = new Map(entries.map((e) => [e.name.toLowerCase(), e]));
  const maxXml = limits.maxXmlBytes ?? 8 * 1024 * 1024;
  const result: XdmReadResult = { sousDossiers: [], documents: [], fichiers: entries.map((e) => e.name), avertissements: [] };
  const metas = entries.filter((e) => METADATA_PATH.test(e.name));
  if (metas.length === 0) {
    throw new CabinetError('INVALID_REQUEST', 'Archive IHE_XDM refusée : aucun fichier IHE_XDM/<sous-dossier>/METADATA.XML.', {
      reason: 'sans_metadata',
      fichiers: result.fichiers.slice(0, 20),
    });
  }
  for (const meta of metas) {
    const m = METADATA_PATH.exec(meta.name);
    const lead = m?.[1] ? `${m[1]}/` : '';
    const subset = m?.[2] ?? '';
    if (!byName.has(`${lead}readme.txt`.toLowerCase()))
      result.avertissements.push(`README.TXT absent de l’archive${lead ? ` (dossier ${lead})` : ''}.`);
    if (!byName.has(`${lead}index.htm`.toLowerCase()))
      result.avertissements.push(`INDEX.HTM absent de l’archive${lead ? ` (dossier ${lead})` : ''}.`);
    const read = readMetadataXml(meta.data, meta.name, { maxBytes: maxXml });
    result.avertissements.push(...read.avertissements);
    const sub: XdmReadResult['sousDossiers'][number] = { nom: subset, metadata: meta.name };
    if (read.metadata.submissionSet) sub.lot = read.metadata.submissionSet;
    result.sousDossiers.push(sub);
    for (const entry of read.metadata.documents) {
      const doc: XdmDocument = {
        sousDossier: subset,
        metadata: entry,
        verification: { empreinte: 'fichier_absent', taille: 'fichier_absent' },
      };
      const patient = parsePatientId(entry.patientId);
      if (patient) doc.patient = patient;
      if (!entry.uri) {
        result.avertissements.push(`Document ${entry.id} : emplacement (URI) absent de ${meta.name}.`);
      } else if (unsafeEntryName(entry.uri) !== null || /^[a-z][a-z0-9+.-]*:/i.test(entry.uri)) {
        result.avertissements.push(
          `Document ${entry.id} : emplacement refusé « ${entry.uri.slice(0, 120)} » (${unsafeEntryName(entry.uri) ?? 'adresse externe'}).`,
        );
      } else {
        const candidates = [`${lead}IHE_XDM/${subset}/${entry.uri}`, `${lead}IHE_XDM/${entry.uri}`, `${lead}${entry.uri}`];
        const found = candidates.map((c) => byName.get(c.toLowerCase())).find((e) => e !== undefined);
        if (!found) {
          result.avertissements.push(`Document ${entry.id} : « ${entry.uri} » est annoncé dans ${meta.name} mais absent de l’archive.`);
        } else {
          doc.chemin = found.name;
          doc.contenu = found.data;
          doc.taille = found.data.length;
          doc.verification = {
            empreinte: entry.hash === undefined ? 'non_declaree' : entry.hash === sha1(found.data) ? 'conforme' : 'differente',
            taille: entry.size === undefined ? 'non_declaree' : entry.size === found.data.length ? 'conforme' : 'differente',
          };
          if (doc.verification.empreinte === 'differente')
            result.avertissements.push(`Document ${entry.id} : l’empreinte SHA-1 ne correspond pas à METADATA.XML (document altéré ?).`);
          if (doc.verification.taille === 'differente')
            result.avertissements.push(`Document ${entry.id} : la taille ne correspond pas à METADATA.XML.`);
          if (
            /xml/i.test(entry.mimeType) &&
            found.data.length <= maxXml &&
            /<(?:[A-Za-z0-9_-]+:)?ClinicalDocument[\s>]/.test(found.data.subarray(0, 4096).toString('latin1'))
          ) {
            try {
              doc.cda = readCdaHeader(found.data, { maxBytes: maxXml });
              const cdaIns = doc.cda.patient.ins;
              if (cdaIns && patient?.ins && cdaIns.valeur !== patient.ins.valeur) {
                result.avertissements.push(
                  `Document ${entry.id} : l’INS du CDA (${cdaIns.valeur}) diffère de celui des métadonnées (${patient.ins.valeur}).`,
                );
              }
            } catch (error) {
              result.avertissements.push(
                `Document ${entry.id} : en-tête CDA illisible (${error instanceof CabinetError ? error.message : 'erreur inattendue'}).`,
              );
            }
          }
        }
      }
      result.documents.push(doc);
    }
  }
  // The patient: submission set first, then documents; several different INS → warning (one patient per message).
  const candidates = [
    ...result.sousDossiers.map((s) => parsePatientId(s.lot?.patientId)),
    ...result.documents.map((d) => d.patient ?? null),
  ].filter((p): p is ParsedPatientId => p !== null);
  const first = candidates[0];
  if (first) {
    const distinct = new Set(candidates.map((c) => c.valeur));
    if (distinct.size > 1)
      result.avertissements.push(
        `Plusieurs patients dans la même archive (${[...distinct].join(', ')}) : un seul est attendu par message.`,
      );
    const info = result.documents.find((d) => d.patient?.valeur === first.valeur)?.metadata.sourcePatientInfo ?? [];
    result.patient = { ...first, ...patientInfo(info) };
    if (first.ins && !first.ins.cleValide) result.avertissements.push(`INS du patient ${first.valeur} : clé incorrecte.`);
  } else {
    result.avertissements.push('Aucun identifiant de patient dans METADATA.XML.');
  }
  return result;
}

function patientInfo(lines: string[]): { nom?: string; prenom?: string; dateNaissance?: string; sexe?: string } {
  const out: { nom?: string; prenom?: string; dateNaissance?: string; sexe?: string } = {};
  for (const line of lines) {
    const [field, value = ''] = line.split('|', 2);
    if (field === 'PID-5') {
      const [nom, prenom] = value.split('^');
      if (nom) out.nom = nom;
      if (prenom) out.prenom = prenom;
    } else if (field === 'PID-7' && /^\d{8}/.test(value)) {
      out.dateNaissance = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
    } else if (field === 'PID-8' && value) {
      out.sexe = value;
    }
  }
  return out;
}

export type { ParsedPatientId };
