/**
 * XSD validation of the XDS request bodies against the ebRIM 3.0 / XDS.b
 * schemas (`<referenceDir>/xsd/`: XDS.b_DocumentRepository.xsd, which imports
 * lcm, query, rs, rim), read from `reference-data/xds` (shipped with the app). Engine: libxml2 in a
 * long-lived worker with the schemas compiled once (`electron/platform/xml/xsd.ts`),
 * bounded in time and in concurrency.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CabinetError } from '../../shared/contract/outcome.js';
import { referenceDataDir } from '../../electron/platform/reference-data.js';
import { XsdValidatorPool } from '../../electron/platform/xml/xsd.js';

export const DEFAULT_XDS_REFERENCE_DIR = referenceDataDir('xds');
const FILES = ['XDS.b_DocumentRepository.xsd', 'lcm.xsd', 'query.xsd', 'rs.xsd', 'rim.xsd', 'xml.xsd'] as const;
const ENTRY = 'XDS.b_DocumentRepository.xsd';

export class SchemaUnavailable extends Error {}

export class XdsSchemaValidator {
  private readonly entry: string;
  private readonly pool = new XsdValidatorPool({ label: 'Validation ebRIM/XDS' });
  private queued = 0;

  constructor(
    readonly referenceDir: string = DEFAULT_XDS_REFERENCE_DIR,
    private readonly timeoutMs = 10_000,
  ) {
    for (const name of FILES) {
      const full = path.join(referenceDir, 'xsd', name);
      if (!fs.existsSync(full)) {
        throw new CabinetError(
          'CONFIG_INVALID',
          `Bac à sable DMP : schéma ebRIM/XDS manquant (${full}). Il est livré avec Cabinet dans reference-data/xds : l’installation est incomplète.`,
        );
      }
    }
    this.entry = path.join(referenceDir, 'xsd', ENTRY);
  }

  /** Compiles the schemas now (the first request would otherwise wait for it). */
  async prepare(): Promise<void> {
    await this.pool.prepare(this.entry);
  }

  /** Resolves with the first errors (empty: valid). One validation at a time; at most 32 waiting. */
  async validate(xml: string): Promise<string[]> {
    if (this.queued >= 32) throw new SchemaUnavailable('file d’attente de validation pleine');
    this.queued += 1;
    try {
      const result = await this.pool.validate(this.entry, xml, this.timeoutMs);
      if (result.valid) return [];
      if (result.errors.some((e) => e.schema)) throw new SchemaUnavailable(result.errors[0]!.message);
      return result.errors.slice(0, 5).map((e) => e.message.replace(/^Element '([^']+)': /, 'élément $1 : '));
    } catch (error) {
      if (error instanceof SchemaUnavailable) throw error;
      throw new SchemaUnavailable(error instanceof Error ? error.message : String(error));
    } finally {
      this.queued -= 1;
    }
  }

  close(): void {
    this.pool.close();
  }
}
