/** Test helper: validates XDS.b / ebRIM XML against the official schemas with the system xmllint (libxml2-utils). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const XDS_XSD_DIR = process.env.CABINET_XDS_XSD_DIR ?? '/work/shared/reference/xds/xsd';

/** Returns '' when valid, else xmllint's messages. `schema` is a file of the XSD folder. */
export function xsdErrors(xml: string, schema = 'XDS.b_DocumentRepository.xsd'): string {
  const dir = mkdtempSync(join(tmpdir(), 'xds-xsd-'));
  try {
    const file = join(dir, 'doc.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(XDS_XSD_DIR, schema), file], { stdio: 'pipe' });
    return '';
  } catch (e) {
    const err = e as { stderr?: Buffer };
    return err.stderr?.toString() ?? String(e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
