/**
 * Independent XML checkers for tests: xmllint (libxml2) against the SAML 2.0
 * assertion schema, xmlsec1 for XML signatures. Both read local files only
 * (`--nonet`; the schemas are those of ../shared/reference). Needs the Debian
 * packages libxml2-utils and xmlsec1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REFERENCE_DIR = path.resolve(import.meta.dirname, '../../../shared/reference');
export const SAML_ASSERTION_XSD = path.join(REFERENCE_DIR, 'insi/xsd/SAML/saml-schema-assertion-2.0.xsd');
/** The HL7 v3 schema (ANS extended CDA R2): defines the `CE` type of the VIHF's Role / PurposeOfUse values. */
export const HL7_V3_XSD = path.join(REFERENCE_DIR, 'cda/xsd/CDA_extended.xsd');

export interface ToolResult {
  ok: boolean;
  output: string;
}

function run(command: string, args: string[]): ToolResult {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Writes, in `dir`, a driver schema importing the SAML assertion schema (which
 * imports xmldsig-core-schema.xsd and xenc-schema.xsd beside it) and the HL7 v3
 * schema: the VIHF's `<Role xsi:type="CE">` values live in a lax wildcard, and
 * libxml2 resolves their xsi:type, so the HL7 namespace must be known.
 */
export function writeVihfSchema(dir: string): string {
  const file = path.join(dir, 'vihf-validation.xsd');
  fs.writeFileSync(
    file,
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:cabinet:test:vihf-validation">
  <xs:import namespace="urn:oasis:names:tc:SAML:2.0:assertion" schemaLocation="${SAML_ASSERTION_XSD}"/>
  <xs:import namespace="urn:hl7-org:v3" schemaLocation="${HL7_V3_XSD}"/>
</xs:schema>
`,
  );
  return file;
}

export function xmllintValidate(schema: string, file: string): ToolResult {
  return run('xmllint', ['--nonet', '--noout', '--schema', schema, file]);
}

/** `untrustedPem`: intermediate authorities xmlsec1 may use to build the chain (not trusted by themselves). */
export function xmlsecVerify(file: string, trustedPem: string, untrustedPem: readonly string[] = []): ToolResult {
  return run('xmlsec1', [
    '--verify',
    '--id-attr:ID',
    'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
    '--trusted-pem',
    trustedPem,
    ...untrustedPem.flatMap((f) => ['--untrusted-pem', f]),
    file,
  ]);
}
