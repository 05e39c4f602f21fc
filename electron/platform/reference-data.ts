/**
 * The public reference data Cabinet and its sandboxes read at run time — the
 * CDA schema and the value sets of the CDA self-check, the ebRIM/XDS.b and
 * INSi schemas, the ANS example CDAs the DMP sandbox is seeded with — ships
 * with the application in `reference-data/` at its root (origin, version and
 * licence of each file in `reference-data/PROVENANCE.md`). Same layout as the
 * team's `../shared/reference`, so an override (`CABINET_CDA_REFERENCE_DIR`,
 * the sandboxes' `referenceDir`) may still point there; none is needed.
 *
 * In a packaged app the folder is unpacked next to the asar (`asarUnpack` in
 * `build/electron-builder.config.ts`): libxml2 reads the schemas and their
 * includes from the file system, in a worker thread.
 */
import { workerFile } from './paths.js';

export const REFERENCE_DATA_FOLDER = 'reference-data';

/** `<app root>/reference-data/<segments>` (`app.asar.unpacked` in a packaged app). */
export function referenceDataDir(...segments: string[]): string {
  return workerFile(REFERENCE_DATA_FOLDER, ...segments);
}
