/**
 * The ANS « structuration minimale » rules that apply to a level-1 CDA,
 * rewritten in XPath 1.0 (+ small TypeScript predicates where the
 * schematron uses XPath 2 `matches()`), and Cabinet's own rules for what
 * the schematrons leave to the XSD or do not check (the INS, the PDF body).
 *
 * Source: `schematrons/profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch`
 * → `include/1.2.250.1.213.1.1.1.1-2017-12-13T103531.sch` (ART-DECOR,
 * template 1.2.250.1.213.1.1.1.1, 617 rules, 1,730 asserts). Each rule
 * below keeps the schematron `rule/@id` and the same context; its asserts
 * are the schematron's asserts, same test, with a French message (the
 * schematron's own when it has a French one).
 *
 * Implemented (the rules whose context exists in a Cabinet N1 document, or
 * whose absence they detect):
 *  - ClinicalDocument d152e10 (every cardinality assert, the N1 templateId
 *    asserts, the INS-traits assert, the performer / serviceEvent asserts;
 *    not the `extravalidationterminologies` attribute assert, an ART-DECOR
 *    artefact), realmCode d152e16, typeId d152e18, templateId d152e31, id
 *    d152e46, code d152e75 (JDV_J07), effectiveTime d152e96,
 *    confidentialityCode d152e103 (HL7 Confidentiality), languageCode
 *    d152e115, setId d152e147, versionNumber d152e160;
 *  - recordTarget d2485e26, patientRole d2485e36, patientRole/id d2485e46,
 *    patient d2485e72, name d2485e87 (qualifiers BR/CL), given d2485e97,
 *    family d2485e112, administrativeGenderCode d2485e163 (JDV_J143),
 *    birthTime d2485e186;
 *  - author d4313e37, author/time d4313e78, assignedAuthor d4313e105, its id
 *    d4313e123, its code d4313e144 (JDV_J01), assignedPerson d4313e212, name
 *    d4313e222, representedOrganization d4313e320, its id d4313e332;
 *  - custodian d7510e11, e20, e25, e32 (root idNat_Struct or the patient host);
 *  - legalAuthenticator d9067e14, time e54, signatureCode e84, assignedEntity
 *    e98, its id e108, its code e141 (JDV_J01), assignedPerson e176, name e209;
 *  - documentationOf d13023e18, serviceEvent e28, code e97, effectiveTime e551,
 *    low e563, high e576, performer e591, assignedEntity e623, its code e658
 *    (JDV_J01), representedOrganization e764, its id e773,
 *    standardIndustryClassCode e823 (JDV_J04);
 *  - relatedDocument: the d152e10 cardinality (at most one RPLC);
 *  - componentOf d14937e7, encompassingEncounter e14, its id e25,
 *    effectiveTime e75 / low e82, location e478, healthCareFacility e485,
 *    its code e492 (JDV_J02).
 * Left out, and why:
 *  - the 140 datatype patterns (`DTr1_*.sch`, abstract rules reached through
 *    `extends`): they restate what CDA_extended.xsd already checks (the
 *    self-check runs the XSD first), or concern datatypes Cabinet never
 *    writes (PQ, RTO, IVL_PQ…);
 *  - `xsi:type` asserts: the XSD checks them;
 *  - addr / telecom (CI-SISAddr, CI-SISTelecom), guardian, birthplace/addr
 *    beyond the INS assert, participant, informant, dataEnterer,
 *    informationRecipient, authenticator, inFulfillmentOf, authorization,
 *    responsibleParty, encounterParticipant, asOrganizationPartOf: Cabinet
 *    writes none of them; to add when the builder does;
 *  - the JDV_J245 civilité / J246 titre asserts (prefix / suffix): Cabinet
 *    writes neither; the JDV_J47 functionCode and J142 encounter-code asserts
 *    likewise (no author/functionCode, no encompassingEncounter/code);
 *  - `-closed.sch` (warnings on elements the template does not define) and
 *    the `structuredBody` / section rules (level 3 only).
 */
import type { Element } from '@xmldom/xmldom';
import { INS_VALUE_PATTERN, insOids, parseIns } from '../../../shared/domain/ins/index.js';

export interface RuleHelpers {
  /** Whether `code` is in the ART-DECOR value set with this OID (voc-<oid>-DYNAMIC.xml). */
  inValueSet(oid: string, code: string): boolean;
}

/** A schematron assert: an XPath 1.0 boolean, or a predicate where XPath 2 was needed. */
export interface RuleAssert {
  test: string | ((node: Element, helpers: RuleHelpers) => boolean);
  message: string;
}

export interface CdaRule {
  /** The schematron rule/@id, or CABINET-… for Cabinet's own rules. */
  id: string;
  context: string;
  asserts: RuleAssert[];
}

/** The value sets the rules need, by OID (files in the schematron's include folder). */
export const RULE_VALUE_SETS = {
  J07: '1.2.250.1.213.1.1.5.471',
  confidentiality: '2.16.840.1.113883.1.11.10228',
  J143: '1.2.250.1.213.1.1.5.590',
  J01: '1.2.250.1.213.1.1.5.461',
  J04: '1.2.250.1.213.1.1.5.467',
  J02: '1.2.250.1.213.1.1.5.466',
} as const;

const CD = "//hl7:ClinicalDocument[hl7:typeId[@root = '2.16.840.1.113883.1.3'][@extension = 'POCD_HD000040']]";
/** The schematron's document context, the start of most rule contexts (the self-check finds its nodes once per document). */
export const CLINICAL_DOCUMENT_CONTEXT = CD;
const RT = `${CD}/hl7:recordTarget[not(@nullFlavor)]/hl7:patientRole[hl7:patient]`;
const PAT = `${RT}/hl7:patient[not(@nullFlavor)]`;
const AA = `${CD}/hl7:author[hl7:assignedAuthor]/hl7:assignedAuthor[not(@nullFlavor)]`;
const CUS = `${CD}/hl7:custodian[not(@nullFlavor)][hl7:assignedCustodian]/hl7:assignedCustodian[hl7:representedCustodianOrganization]`;
const LA = `${CD}/hl7:legalAuthenticator[hl7:signatureCode[@code = 'S']]`;
const SE = `${CD}/hl7:documentationOf[not(@nullFlavor)][hl7:serviceEvent]/hl7:serviceEvent[not(@nullFlavor)]`;
const PERF = `${SE}/hl7:performer[@typeCode = 'PRF'][hl7:assignedEntity]/hl7:assignedEntity[hl7:representedOrganization]`;
const EE = `${CD}/hl7:componentOf[not(@nullFlavor)][hl7:encompassingEncounter]/hl7:encompassingEncounter[not(@nullFlavor)][hl7:location]`;
const HCF = `${EE}/hl7:location[hl7:healthCareFacility]/hl7:healthCareFacility[not(@nullFlavor)]`;

// XPath 2 `matches()` patterns of the schematron's datatype checks.
const UID = [
  /^[0-2](\.(0|[1-9]\d*))*$/,
  /^[A-Fa-f\d]{8}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{12}$/,
  /^[A-Za-z][A-Za-z\d-]*$/,
];
const OID = /^[0-2](\.(0|[1-9]\d*))*$/;
const TS = /^[0-9]{4,14}/;
const INT = /^-?[1-9]\d*$|^\+?\d*$/;

const has = (n: Element, a: string) => n.hasAttribute(a);
const get = (n: Element, a: string) => n.getAttribute(a) ?? '';

// ——— assert builders (test as in the schematron, French message) ———

const min1 = (path: string, label = path): RuleAssert => ({
  test: `count(${path}) >= 1`,
  message: `élément ${label} obligatoire (au moins 1).`,
});
const max1 = (path: string, label = path): RuleAssert => ({
  test: `count(${path}) <= 1`,
  message: `élément ${label} présent plusieurs fois (au plus 1).`,
});
const one = (path: string, label = path): RuleAssert[] => [min1(path, label), max1(path, label)];
const attr = (a: string): RuleAssert => ({ test: `@${a}`, message: `attribut @${a} obligatoire.` });
const st = (a: string): RuleAssert => ({
  test: `not(@${a}) or string-length(@${a})>0`,
  message: `l’attribut @${a} ne doit pas être vide (type st).`,
});
const cs = (a: string): RuleAssert => ({
  test: (n) => !has(n, a) || (get(n, a).length > 0 && !/\s/.test(get(n, a))),
  message: `l’attribut @${a} doit être un code sans espace (type cs).`,
});
const uid = (a: string): RuleAssert => ({
  test: (n) => !has(n, a) || UID.some((r) => r.test(get(n, a))),
  message: `l’attribut @${a} doit être un identifiant (OID, UUID ou RUID ; type uid).`,
});
const oid = (a: string): RuleAssert => ({ test: (n) => !has(n, a) || OID.test(get(n, a)), message: `l’attribut @${a} doit être un OID.` });
const fixed = (a: string, value: string): RuleAssert => ({
  test: `string(@${a}) = '${value}'`,
  message: `l’attribut @${a} doit valoir « ${value} ».`,
});
const voc = (valueSet: string, name: string, a = 'code'): RuleAssert => ({
  test: (n, h) => !has(n, a) || h.inValueSet(valueSet, get(n, a)),
  message: `la valeur de @${a} doit appartenir au jeu de valeurs ${name} (${valueSet}).`,
});
const ts = (): RuleAssert[] => [
  { test: 'not(*)', message: 'une date (type TS) ne doit pas avoir d’élément enfant.' },
  attr('value'),
  {
    test: (n) => !has(n, 'value') || TS.test(get(n, 'value')),
    message: 'l’attribut @value doit être une date HL7 (AAAAMMJJ[hhmmss][+zzzz] ; type ts).',
  },
];
const ii = (extensionRequired: boolean): RuleAssert[] => [
  attr('root'),
  uid('root'),
  ...(extensionRequired ? [attr('extension')] : []),
  st('extension'),
];
const ce = (valueSet?: { oid: string; name: string }): RuleAssert[] => [
  attr('displayName'),
  st('displayName'),
  attr('codeSystem'),
  oid('codeSystem'),
  attr('code'),
  ...(valueSet ? [voc(valueSet.oid, valueSet.name)] : [cs('code')]),
];

const INS_OID_TEST = insOids.map((o) => `@root='${o}'`).join(' or ');

/** The rules, in document order. */
export const CDA_RULES: CdaRule[] = [
  // ——— ClinicalDocument ———
  {
    id: 'SMDS_CDAClinicalDocument',
    context: '/',
    asserts: [
      {
        test: "descendant-or-self::hl7:ClinicalDocument[hl7:typeId[@root = '2.16.840.1.113883.1.3'][@extension = 'POCD_HD000040']]",
        message: 'le document doit être un ClinicalDocument CDA R2 (typeId 2.16.840.1.113883.1.3 / POCD_HD000040).',
      },
    ],
  },
  {
    id: 'd152e10-false-d1610e0',
    context: CD,
    asserts: [
      { test: "string(@classCode) = 'DOCCLIN' or not(@classCode)", message: 'classCode doit valoir « DOCCLIN ».' },
      { test: "string(@moodCode) = 'EVN' or not(@moodCode)", message: 'moodCode doit valoir « EVN ».' },
      {
        test: 'count(//hl7:ClinicalDocument/hl7:documentationOf[1]/hl7:serviceEvent/hl7:performer)=1',
        message: 'DocumentationOf : le performer est obligatoire dans l’acte principal.',
      },
      {
        test: 'count(//hl7:ClinicalDocument/hl7:documentationOf[1]/hl7:serviceEvent/hl7:effectiveTime)=1',
        message: 'DocumentationOf : effectiveTime est obligatoire dans l’acte principal.',
      },
      {
        test: "hl7:component/hl7:structuredBody or (hl7:component/hl7:nonXMLBody and (count(hl7:templateId)=3 and hl7:templateId[@root='2.16.840.1.113883.2.8.2.1'] and hl7:templateId[@root='1.2.250.1.213.1.1.1.1'] and hl7:templateId[@root='1.3.6.1.4.1.19376.1.2.20']))",
        message:
          'Dans un document CDA non structuré, le templateId 1.3.6.1.4.1.19376.1.2.20 remplace le templateId du volet et seuls les trois templateId « 1.3.6.1.4.1.19376.1.2.20 », « 2.16.840.1.113883.2.8.2.1 » et « 1.2.250.1.213.1.1.1.1 » sont admis.',
      },
      {
        test: "not(hl7:component/hl7:nonXMLBody) or hl7:templateId/@root='1.3.6.1.4.1.19376.1.2.20'",
        message: 'Dans un document CDA non structuré, le templateId « 1.3.6.1.4.1.19376.1.2.20 » est obligatoire.',
      },
      ...one("hl7:realmCode[@code = 'FR']", 'realmCode « FR »'),
      ...one("hl7:typeId[@root = '2.16.840.1.113883.1.3'][@extension = 'POCD_HD000040']", 'typeId'),
      ...one("hl7:templateId[@root='2.16.840.1.113883.2.8.2.1']", 'templateId 2.16.840.1.113883.2.8.2.1 (HL7 France)'),
      ...one("hl7:templateId[@root='1.2.250.1.213.1.1.1.1']", 'templateId 1.2.250.1.213.1.1.1.1 (CI-SIS)'),
      min1(
        "hl7:templateId[not(@root='1.2.250.1.213.1.1.1.1') and not(@root='2.16.840.1.113883.2.8.2.1')]",
        'templateId du modèle de document',
      ),
      ...one('hl7:id[not(@nullFlavor)]', 'id (identifiant du document)'),
      ...one('hl7:code[not(@nullFlavor)]', 'code (type de document)'),
      ...one('hl7:title[not(@nullFlavor)]', 'title'),
      ...one('hl7:effectiveTime[not(@nullFlavor)]', 'effectiveTime'),
      ...one('hl7:confidentialityCode[not(@nullFlavor)]', 'confidentialityCode'),
      ...one('hl7:languageCode[not(@nullFlavor)]', 'languageCode'),
      ...one('hl7:setId[not(@nullFlavor)]', 'setId'),
      ...one('hl7:versionNumber[not(@nullFlavor)]', 'versionNumber'),
      ...one('hl7:recordTarget[not(@nullFlavor)]', 'recordTarget (patient)'),
      {
        test: "(not(//hl7:recordTarget/hl7:patientRole/hl7:id/@root='1.2.250.1.213.1.4.8') and not(//hl7:recordTarget/hl7:patientRole/hl7:id/@root='1.2.250.1.213.1.4.9') and not(//hl7:recordTarget/hl7:patientRole/hl7:id/@root='1.2.250.1.213.1.4.10') and not(//hl7:recordTarget/hl7:patientRole/hl7:id/@root='1.2.250.1.213.1.4.11')) and //hl7:recordTarget/hl7:patientRole/hl7:id/@extension or (//hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name/hl7:family/@qualifier='BR' and //hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name/hl7:given/@qualifier='BR' and //hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name/hl7:given[not(@qualifier)] and //hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:birthTime and //hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:birthplace/hl7:place/hl7:addr/hl7:county and //hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:administrativeGenderCode/@code)",
        message:
          'Dans le cadre de l’INS, les traits de l’INS (nom de naissance, premier prénom de l’acte de naissance, prénoms de l’acte de naissance, date de naissance, lieu de naissance (COG) et sexe) sont obligatoires.',
      },
      min1('hl7:author[not(@nullFlavor)][hl7:assignedAuthor]', 'author'),
      max1('hl7:dataEnterer', 'dataEnterer'),
      ...one('hl7:custodian[not(@nullFlavor)][hl7:assignedCustodian]', 'custodian'),
      ...one("hl7:legalAuthenticator[hl7:signatureCode[@code = 'S']]", 'legalAuthenticator (signatureCode « S »)'),
      min1('hl7:documentationOf[not(@nullFlavor)][hl7:serviceEvent]', 'documentationOf/serviceEvent'),
      max1("hl7:relatedDocument[@typeCode = 'RPLC'][hl7:parentDocument]", 'relatedDocument RPLC'),
      ...one('hl7:componentOf[not(@nullFlavor)][hl7:encompassingEncounter]', 'componentOf/encompassingEncounter'),
      ...one('hl7:component', 'component (corps du document)'),
    ],
  },
  { id: 'd152e16-false-d2141e0', context: `${CD}/hl7:realmCode[@code = 'FR']`, asserts: [fixed('code', 'FR')] },
  {
    id: 'd152e18-false-d2159e0',
    context: `${CD}/hl7:typeId[@root = '2.16.840.1.113883.1.3'][@extension = 'POCD_HD000040']`,
    asserts: [fixed('root', '2.16.840.1.113883.1.3'), fixed('extension', 'POCD_HD000040'), st('extension')],
  },
  {
    id: 'd152e31-false-d2218e0',
    context: `${CD}/hl7:templateId[not(@root='1.2.250.1.213.1.1.1.1') and not(@root='2.16.840.1.113883.2.8.2.1')]`,
    asserts: [attr('root'), uid('root')],
  },
  { id: 'd152e46-false-d2240e0', context: `${CD}/hl7:id[not(@nullFlavor)]`, asserts: [st('extension'), attr('root'), uid('root')] },
  {
    id: 'd152e75-false-d2268e0',
    context: `${CD}/hl7:code[not(@nullFlavor)]`,
    asserts: [st('codeSystemName'), ...ce({ oid: RULE_VALUE_SETS.J07, name: 'JDV_J07_XdsTypeCode_CISIS' })],
  },
  { id: 'd152e96-false-d2337e0', context: `${CD}/hl7:effectiveTime[not(@nullFlavor)]`, asserts: ts() },
  {
    id: 'd152e103-false-d2363e0',
    context: `${CD}/hl7:confidentialityCode[not(@nullFlavor)]`,
    asserts: ce({ oid: RULE_VALUE_SETS.confidentiality, name: 'Confidentiality' }),
  },
  {
    id: 'd152e115-false-d2414e0',
    context: `${CD}/hl7:languageCode[not(@nullFlavor)]`,
    asserts: [
      attr('code'),
      cs('code'),
      {
        test: (n) => !has(n, 'code') || /[a-z]{2}-[A-Z]{2}/.test(get(n, 'code')),
        message:
          'Le languageCode doit respecter la syntaxe « fr-FR » : la langue en minuscules (ISO 639-1), le pays en majuscules (ISO 3166).',
      },
    ],
  },
  { id: 'd152e147-false-d2436e0', context: `${CD}/hl7:setId[not(@nullFlavor)]`, asserts: [st('extension'), attr('root'), uid('root')] },
  {
    id: 'd152e160-false-d2464e0',
    context: `${CD}/hl7:versionNumber[not(@nullFlavor)]`,
    asserts: [
      attr('value'),
      { test: (n) => !has(n, 'value') || INT.test(get(n, 'value')), message: 'l’attribut @value doit être un entier (type INT).' },
    ],
  },

  // ——— recordTarget ———
  {
    id: 'd2485e26-false-d2499e0',
    context: `${CD}/hl7:recordTarget[not(@nullFlavor)]`,
    asserts: one('hl7:patientRole[hl7:patient]', 'patientRole'),
  },
  {
    id: 'd2485e36-false-d2536e0',
    context: RT,
    asserts: [
      min1('hl7:id[not(@nullFlavor)]', 'patientRole/id (identifiant du patient)'),
      ...one('hl7:patient[not(@nullFlavor)]', 'patient'),
    ],
  },
  { id: 'd2485e46-false-d2595e0', context: `${RT}/hl7:id[not(@nullFlavor)]`, asserts: ii(true) },
  {
    id: 'd2485e72-false-d2987e0',
    context: PAT,
    asserts: [
      ...one('hl7:name[not(@nullFlavor)]', 'name'),
      ...one('hl7:administrativeGenderCode', 'administrativeGenderCode (sexe)'),
      ...one('hl7:birthTime', 'birthTime (date de naissance)'),
      max1('hl7:birthplace[hl7:place]', 'birthplace'),
    ],
  },
  {
    id: 'd2485e87-false-d3093e0',
    context: `${PAT}/hl7:name[not(@nullFlavor)]`,
    asserts: [
      {
        test: "not(//hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name/hl7:given[@qualifier and not(@qualifier='BR' or @qualifier='CL')])",
        message:
          'Prénom typé par l’attribut qualifier : « BR » pour le premier prénom de l’acte de naissance ou « CL » pour le prénom utilisé (RNIV) ; pas de qualifier pour la liste des prénoms de l’acte de naissance.',
      },
      {
        test: "not(//hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:name/hl7:family[@qualifier != 'BR' and @qualifier != 'CL'])",
        message: 'Seuls les qualifiers « BR » pour le nom de famille, ou « CL » pour le nom utilisé (RNIV) sont autorisés.',
      },
      min1('hl7:given[not(@nullFlavor)]', 'given (prénom)'),
      min1('hl7:family[not(@nullFlavor)]', 'family (nom)'),
      max1('hl7:prefix', 'prefix'),
      max1('hl7:suffix', 'suffix'),
    ],
  },
  { id: 'd2485e97-false-d3143e0', context: `${PAT}/hl7:name[not(@nullFlavor)]/hl7:given[not(@nullFlavor)]`, asserts: [cs('qualifier')] },
  {
    id: 'd2485e112-false-d3157e0',
    context: `${PAT}/hl7:name[not(@nullFlavor)]/hl7:family[not(@nullFlavor)]`,
    asserts: [attr('qualifier'), cs('qualifier')],
  },
  {
    id: 'd2485e163-false-d3191e0',
    context: `${PAT}/hl7:administrativeGenderCode`,
    asserts: [attr('code'), voc(RULE_VALUE_SETS.J143, 'JDV_J143_AdministrativeGender_CISIS')],
  },
  { id: 'd2485e186-false-d3222e0', context: `${PAT}/hl7:birthTime`, asserts: ts() },

  // ——— author ———
  {
    id: 'd4313e37-false-d4326e0',
    context: `${CD}/hl7:author[hl7:assignedAuthor]`,
    asserts: [
      max1('hl7:functionCode', 'functionCode'),
      ...one('hl7:time', 'author/time'),
      ...one('hl7:assignedAuthor[not(@nullFlavor)]', 'assignedAuthor'),
    ],
  },
  { id: 'd4313e78-false-d4447e0', context: `${CD}/hl7:author[hl7:assignedAuthor]/hl7:time`, asserts: ts() },
  {
    id: 'd4313e105-false-d4479e0',
    context: AA,
    asserts: [
      min1('hl7:id', 'assignedAuthor/id (identifiant de l’auteur)'),
      max1('hl7:code', 'code'),
      {
        test: 'count(hl7:assignedPerson | hl7:assignedAuthoringDevice) <= 1',
        message: 'choix assignedPerson ou assignedAuthoringDevice : un seul élément admis.',
      },
      max1('hl7:assignedPerson', 'assignedPerson'),
      max1('hl7:assignedAuthoringDevice', 'assignedAuthoringDevice'),
      max1('hl7:representedOrganization', 'representedOrganization'),
    ],
  },
  { id: 'd4313e123-false-d4571e0', context: `${AA}/hl7:id`, asserts: [attr('extension'), st('extension'), attr('root'), uid('root')] },
  {
    id: 'd4313e144-false-d4603e0',
    context: `${AA}/hl7:code`,
    asserts: ce({ oid: RULE_VALUE_SETS.J01, name: 'JDV_J01_XdsAuthorSpecialty_CISIS' }),
  },
  { id: 'd4313e212-false-d5010e0', context: `${AA}/hl7:assignedPerson`, asserts: one('hl7:name[hl7:family]', 'name') },
  {
    id: 'd4313e222-false-d5033e0',
    context: `${AA}/hl7:assignedPerson/hl7:name[hl7:family]`,
    asserts: [...one('hl7:family', 'family'), max1('hl7:given', 'given'), max1('hl7:prefix', 'prefix'), max1('hl7:suffix', 'suffix')],
  },
  {
    id: 'd4313e320-false-d5184e0',
    context: `${AA}/hl7:representedOrganization`,
    asserts: [max1("hl7:id[@root = '1.2.250.1.71.4.2.2']", 'id idNat_Struct'), max1('hl7:name', 'name')],
  },
  {
    id: 'd4313e332-false-d5243e0',
    context: `${AA}/hl7:representedOrganization/hl7:id[@root = '1.2.250.1.71.4.2.2']`,
    asserts: [attr('extension'), st('extension'), fixed('root', '1.2.250.1.71.4.2.2')],
  },

  // ——— custodian ———
  {
    id: 'd7510e11-false-d7520e0',
    context: `${CD}/hl7:custodian[not(@nullFlavor)][hl7:assignedCustodian]`,
    asserts: one('hl7:assignedCustodian[hl7:representedCustodianOrganization]', 'assignedCustodian'),
  },
  { id: 'd7510e20-false-d7549e0', context: CUS, asserts: one('hl7:representedCustodianOrganization', 'representedCustodianOrganization') },
  {
    id: 'd7510e25-false-d7578e0',
    context: `${CUS}/hl7:representedCustodianOrganization`,
    asserts: [...one('hl7:id[not(@nullFlavor)]', 'id'), max1('hl7:name', 'name'), max1('hl7:telecom', 'telecom'), max1('hl7:addr', 'addr')],
  },
  {
    id: 'd7510e32-false-d7642e0',
    context: `${CUS}/hl7:representedCustodianOrganization/hl7:id[not(@nullFlavor)]`,
    asserts: [
      st('extension'),
      attr('root'),
      uid('root'),
      {
        test: "@root='1.2.250.1.71.4.2.2' or @root='1.2.250.1.213.4.1'",
        message:
          'L’attribut @root doit avoir la valeur « 1.2.250.1.71.4.2.2 » (OID des structures de santé) ou « 1.2.250.1.213.4.1 » (organisation hébergeant les documents produits par le patient).',
      },
    ],
  },

  // ——— legalAuthenticator ———
  {
    id: 'd9067e14-false-d9080e0',
    context: LA,
    asserts: [
      ...one('hl7:time', 'time'),
      ...one("hl7:signatureCode[@code = 'S']", 'signatureCode « S »'),
      ...one('hl7:assignedEntity', 'assignedEntity'),
    ],
  },
  { id: 'd9067e54-false-d9139e0', context: `${LA}/hl7:time`, asserts: ts() },
  { id: 'd9067e84-false-d9165e0', context: `${LA}/hl7:signatureCode[@code = 'S']`, asserts: [fixed('code', 'S')] },
  {
    id: 'd9067e98-false-d9189e0',
    context: `${LA}/hl7:assignedEntity`,
    asserts: [
      ...one('hl7:id[not(@nullFlavor)]', 'id (identifiant du responsable)'),
      max1('hl7:code', 'code'),
      max1('hl7:assignedPerson', 'assignedPerson'),
      max1('hl7:representedOrganization', 'representedOrganization'),
    ],
  },
  { id: 'd9067e108-false-d9264e0', context: `${LA}/hl7:assignedEntity/hl7:id[not(@nullFlavor)]`, asserts: ii(true) },
  {
    id: 'd9067e141-false-d9296e0',
    context: `${LA}/hl7:assignedEntity/hl7:code`,
    asserts: [voc(RULE_VALUE_SETS.J01, 'JDV_J01_XdsAuthorSpecialty_CISIS')],
  },
  {
    id: 'd9067e176-false-d9679e0',
    context: `${LA}/hl7:assignedEntity/hl7:assignedPerson`,
    asserts: one('hl7:name[not(@nullFlavor)][hl7:family]', 'name'),
  },
  {
    id: 'd9067e209-false-d9702e0',
    context: `${LA}/hl7:assignedEntity/hl7:assignedPerson/hl7:name[not(@nullFlavor)][hl7:family]`,
    asserts: [...one('hl7:family', 'family'), max1('hl7:given', 'given'), max1('hl7:prefix', 'prefix'), max1('hl7:suffix', 'suffix')],
  },

  // ——— documentationOf ———
  {
    id: 'd13023e18-false-d13036e0',
    context: `${CD}/hl7:documentationOf[not(@nullFlavor)][hl7:serviceEvent]`,
    asserts: [
      {
        test: 'count(//hl7:ClinicalDocument/hl7:documentationOf/hl7:serviceEvent/hl7:performer)>=1',
        message: 'DocumentationOf : l’élément performer est obligatoire dans l’acte principal.',
      },
      {
        test: 'count(//hl7:ClinicalDocument/hl7:documentationOf/hl7:serviceEvent[hl7:performer]/hl7:effectiveTime)>=1',
        message: 'DocumentationOf : l’élément effectiveTime est obligatoire dans l’acte principal.',
      },
      ...one('hl7:serviceEvent[not(@nullFlavor)]', 'serviceEvent'),
    ],
  },
  {
    id: 'd13023e28-false-d13071e0',
    context: SE,
    asserts: [
      max1('hl7:code', 'code'),
      max1('hl7:effectiveTime', 'effectiveTime'),
      max1("hl7:performer[@typeCode = 'PRF'][hl7:assignedEntity]", 'performer'),
    ],
  },
  {
    id: 'd13023e97-false-d13137e0',
    context: `${SE}/hl7:code`,
    asserts: [
      st('displayName'),
      oid('codeSystem'),
      cs('code'),
      {
        test: '(@code and @codeSystem and not(@nullFlavor)) or (not(@code) and not(@codeSystem) and @nullFlavor)',
        message: 'Les attributs @code et @codeSystem sont obligatoires si pas de @nullFlavor.',
      },
    ],
  },
  { id: 'd13023e551-false-d13294e0', context: `${SE}/hl7:effectiveTime`, asserts: [...one('hl7:low', 'low'), max1('hl7:high', 'high')] },
  { id: 'd13023e563-false-d13326e0', context: `${SE}/hl7:effectiveTime/hl7:low`, asserts: ts().slice(1) },
  { id: 'd13023e576-false-d13348e0', context: `${SE}/hl7:effectiveTime/hl7:high`, asserts: ts().slice(2) },
  {
    id: 'd13023e591-false-d13372e0',
    context: `${SE}/hl7:performer[@typeCode = 'PRF'][hl7:assignedEntity]`,
    asserts: [
      fixed('typeCode', 'PRF'),
      max1('hl7:functionCode', 'functionCode'),
      max1('hl7:time', 'time'),
      ...one('hl7:assignedEntity[hl7:representedOrganization]', 'assignedEntity avec representedOrganization'),
    ],
  },
  {
    id: 'd13023e623-false-d13483e0',
    context: PERF,
    asserts: [
      ...one('hl7:id', 'id'),
      max1('hl7:code', 'code'),
      max1('hl7:assignedPerson', 'assignedPerson'),
      ...one('hl7:representedOrganization', 'representedOrganization'),
    ],
  },
  { id: 'd13023e658-false-d13576e0', context: `${PERF}/hl7:code`, asserts: [voc(RULE_VALUE_SETS.J01, 'JDV_J01_XdsAuthorSpecialty_CISIS')] },
  {
    id: 'd13023e764-false-d14060e0',
    context: `${PERF}/hl7:representedOrganization`,
    asserts: [
      max1('hl7:name', 'name'),
      ...one('hl7:standardIndustryClassCode[not(@nullFlavor)]', 'standardIndustryClassCode (cadre d’exercice)'),
      max1('hl7:asOrganizationPartOf', 'asOrganizationPartOf'),
    ],
  },
  {
    id: 'd13023e773-false-d14131e0',
    context: `${PERF}/hl7:representedOrganization/hl7:id[@root = '1.2.250.1.71.4.2.2']`,
    asserts: [fixed('root', '1.2.250.1.71.4.2.2'), attr('extension'), st('extension')],
  },
  {
    id: 'd13023e823-false-d14551e0',
    context: `${PERF}/hl7:representedOrganization/hl7:standardIndustryClassCode[not(@nullFlavor)]`,
    asserts: [
      attr('code'),
      voc(RULE_VALUE_SETS.J04, 'JDV_J04_XdsPracticeSettingCode_CISIS'),
      attr('displayName'),
      st('displayName'),
      attr('codeSystem'),
      oid('codeSystem'),
    ],
  },

  // ——— componentOf ———
  {
    id: 'd14937e7-false-d14957e0',
    context: `${CD}/hl7:componentOf[not(@nullFlavor)][hl7:encompassingEncounter]`,
    asserts: one('hl7:encompassingEncounter[not(@nullFlavor)][hl7:location]', 'encompassingEncounter avec location'),
  },
  {
    id: 'd14937e14-false-d15006e0',
    context: EE,
    asserts: [
      max1('hl7:code', 'code'),
      ...one('hl7:effectiveTime', 'effectiveTime'),
      max1('hl7:dischargeDispositionCode', 'dischargeDispositionCode'),
      max1('hl7:responsibleParty[hl7:assignedEntity]', 'responsibleParty'),
      ...one('hl7:location[hl7:healthCareFacility]', 'location/healthCareFacility'),
    ],
  },
  { id: 'd14937e25-false-d15092e0', context: `${EE}/hl7:id`, asserts: [st('extension'), attr('root'), uid('root')] },
  { id: 'd14937e75-false-d15171e0', context: `${EE}/hl7:effectiveTime`, asserts: [max1('hl7:low', 'low'), max1('hl7:high', 'high')] },
  { id: 'd14937e82-false-d15201e0', context: `${EE}/hl7:effectiveTime/hl7:low`, asserts: ts().slice(2) },
  {
    id: 'd14937e478-false-d17770e0',
    context: `${EE}/hl7:location[hl7:healthCareFacility]`,
    asserts: one('hl7:healthCareFacility[not(@nullFlavor)]', 'healthCareFacility'),
  },
  {
    id: 'd14937e485-false-d17795e0',
    context: HCF,
    asserts: [...one('hl7:code[not(@nullFlavor)]', 'code (type de structure)'), max1('hl7:location', 'location')],
  },
  {
    id: 'd14937e492-false-d17844e0',
    context: `${HCF}/hl7:code[not(@nullFlavor)]`,
    asserts: ce({ oid: RULE_VALUE_SETS.J02, name: 'JDV_J02_XdsHealthcareFacilityTypeCode_CISIS' }),
  },

  // ——— Cabinet's own rules (not in the schematrons) ———
  {
    id: 'CABINET-INS-01',
    context: RT,
    asserts: [
      {
        test: `count(hl7:id[${INS_OID_TEST}]) = 1`,
        message: `Le document doit porter l’INS du patient : un patientRole/id dont la racine est l’OID d’une autorité INS (${insOids.join(', ')}).`,
      },
    ],
  },
  {
    id: 'CABINET-INS-02',
    context: `${RT}/hl7:id[${INS_OID_TEST}]`,
    asserts: [
      {
        test: (n) => INS_VALUE_PATTERN.test(get(n, 'extension')) && parseIns(get(n, 'extension')).ok,
        message: 'L’INS du patient (extension) doit comporter le matricule (13 caractères) suivi de sa clé (2 chiffres), clé correcte.',
      },
    ],
  },
  {
    id: 'CABINET-AUT-01',
    context: AA,
    asserts: [
      {
        test: "count(hl7:id[@root = '1.2.250.1.71.4.2.1'][string-length(@extension) > 0]) = 1",
        message: 'L’auteur doit être identifié par son identifiant national idNat_PS (id de racine 1.2.250.1.71.4.2.1).',
      },
    ],
  },
  {
    id: 'CABINET-N1-01',
    context: CD,
    asserts: [
      {
        test: 'count(hl7:component/hl7:nonXMLBody/hl7:text) = 1',
        message: 'Le corps du document doit être un nonXMLBody portant le PDF (document de niveau 1).',
      },
    ],
  },
  {
    id: 'CABINET-N1-02',
    context: `${CD}/hl7:component/hl7:nonXMLBody/hl7:text`,
    asserts: [
      { test: "@mediaType = 'application/pdf'", message: 'Le corps du document doit être déclaré en PDF (mediaType="application/pdf").' },
      { test: "@representation = 'B64'", message: 'Le PDF doit être encodé en base64 (representation="B64").' },
    ],
  },
];
