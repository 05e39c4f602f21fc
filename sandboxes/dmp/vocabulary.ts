/**
 * The code lists the sandbox checks XDS metadata against, as the DMP does:
 * J07 typeCode, J08 confidentialityCode, J02 healthcareFacilityTypeCode, J04
 * practiceSettingCode, J01 authorSpecialty — read at start from the ANS
 * value-set files (IHE SVS) in `<referenceDir>/jeuxDeValeurs/` (shipped in
 * `reference-data/cda/jeuxDeValeurs/`). J57 classCode and J60 formatCode are not in that folder:
 * their codes come from the research notes (dmp-cda.md §2.3) [I].
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { CabinetError } from '../../shared/contract/outcome.js';

export const JDV_FILES = {
  J07: 'JDV_J07_XdsTypeCode_CISIS.xml',
  J08: 'JDV_J08_XdsConfidentialityCode_CISIS.xml',
  J02: 'JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml',
  J04: 'JDV_J04_XdsPracticeSettingCode_CISIS.xml',
  J01: 'JDV_J01_XdsAuthorSpecialty_CISIS.xml',
} as const;
export type JdvKey = keyof typeof JDV_FILES;

/** JDV_J57 classCode (TRE_A03, OID 1.2.250.1.213.1.1.4.1), notes §2.3. */
export const CLASS_CODES: ReadonlySet<string> = new Set([
  '10',
  '11',
  '31',
  '42',
  '43',
  '44',
  '45',
  '52',
  '60',
  '90',
  '95',
  'urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1',
]);
/** JDV_J60 formatCode, notes §2.3 (IHE TRE_A11 + CI-SIS TRE_A06). */
export const FORMAT_CODES: ReadonlySet<string> = new Set([
  'urn:ihe:iti:xds-sd:pdf:2008',
  'urn:ihe:iti:xds-sd:text:2008',
  'urn:ihe:iti-fr:xds-sd:jpeg:2010',
  'urn:ihe:iti-fr:xds-sd:rtf:2010',
  'urn:ihe:iti-fr:xds-sd:tiff:2010',
  'urn:ihe:lab:xd-lab:2008',
  'urn:ihe:pcc:ips:2020',
  'urn:ihe:pharm:pre:2010',
  'urn:ihe:pharm:dis:2010',
  'urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013',
  'urn:ihe:iti:dsg:detached:2014',
  'urn:asip:ci-sis:vsm:2012',
  'urn:asip:ci-sis:ldl-ses:2017',
  'urn:asip:ci-sis:ldl-ees:2017',
  'urn:asip:ci-sis:vac:2019',
  'urn:asip:ci-sis:vac-note:2021',
  'urn:asip:ci-sis:dlu:2024',
  'urn:ans:ci-sis:trod:2024',
  'urn:ans:ci-sis:cse-mde:2023',
  'urn:asipSante:modelesHorsProfils:2011',
  'http://www.w3.org/2000/09/xmldsig#',
]);

export interface Concept {
  code: string;
  codeSystem: string;
  displayName: string;
}

export class Vocabulary {
  private readonly sets = new Map<JdvKey, Map<string, Concept>>();

  constructor(readonly jdvDir: string) {
    for (const [key, file] of Object.entries(JDV_FILES) as [JdvKey, string][]) {
      const full = path.join(jdvDir, file);
      let xml: string;
      try {
        xml = fs.readFileSync(full, 'utf8');
      } catch {
        throw new CabinetError('CONFIG_INVALID', `Bac à sable DMP : jeu de valeurs ${file} introuvable dans ${jdvDir}.`);
      }
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const concepts = new Map<string, Concept>();
      const list = doc.getElementsByTagNameNS('urn:ihe:iti:svs:2008', 'Concept');
      for (let i = 0; i < list.length; i += 1) {
        const e = list.item(i) as Element;
        const concept = {
          code: e.getAttribute('code') ?? '',
          codeSystem: e.getAttribute('codeSystem') ?? '',
          displayName: e.getAttribute('displayName') ?? '',
        };
        concepts.set(`${concept.codeSystem}|${concept.code}`, concept);
      }
      if (concepts.size === 0) throw new CabinetError('CONFIG_INVALID', `Bac à sable DMP : jeu de valeurs ${file} vide ou illisible.`);
      this.sets.set(key, concepts);
    }
  }

  /** The concept when `code` in `codeSystem` belongs to the value set. */
  find(key: JdvKey, code: string, codeSystem: string): Concept | null {
    return this.sets.get(key)?.get(`${codeSystem}|${code}`) ?? null;
  }

  size(key: JdvKey): number {
    return this.sets.get(key)?.size ?? 0;
  }
}
