/**
 * Zip archives for IHE XDM, in memory only: nothing is ever written to disk.
 *
 * Reading (yauzl, from a Buffer, entries one at a time) refuses, with a
 * French message and `details.reason`:
 * - names that could escape a folder (zip-slip): `..` segments, absolute
 *   paths (`/x`, `C:`), backslashes, control characters — yauzl refuses the
 *   first three too (`strictFileNames`), we say it in French;
 * - more than `maxEntries` entries (checked from the central directory,
 *   before anything is inflated);
 * - an entry larger than `maxEntryBytes`, or a total above `maxTotalBytes`
 *   (declared sizes checked first, then every inflated byte counted, so a
 *   lying header cannot get past);
 * - a compression ratio above `maxRatio` for an entry (zip bomb);
 * - encrypted entries, compression other than stored/deflate, duplicate
 *   names, a CRC-32 mismatch, a truncated or non-zip input;
 * - a read longer than `timeBudgetMs`.
 *
 * Writing (yazl) builds the archive in a Buffer.
 */
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { CabinetError } from '../../../shared/contract/outcome.js';

export interface ZipLimits {
  /** Size of the archive itself. */
  maxArchiveBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed, for entries larger than `ratioFloorBytes`. */
  maxRatio: number;
  /** Entries smaller than this are not ratio-checked (tiny text compresses well; it cannot be a bomb). */
  ratioFloorBytes: number;
  timeBudgetMs: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxArchiveBytes: 50 * 1024 * 1024,
  maxEntries: 200,
  maxEntryBytes: 30 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
  timeBudgetMs: 10_000,
};

export type ZipRefusalReason =
  | 'pas_un_zip'
  | 'archive_trop_grosse'
  | 'trop_d_entrees'
  | 'chemin_interdit'
  | 'entree_trop_grosse'
  | 'total_trop_gros'
  | 'taux_de_compression'
  | 'chiffre'
  | 'methode'
  | 'doublon'
  | 'crc'
  | 'corrompu'
  | 'delai';

export function zipRefusal(reason: ZipRefusalReason, message: string, extra: Record<string, unknown> = {}): CabinetError {
  return new CabinetError('INVALID_REQUEST', `Archive IHE_XDM refusée : ${message}.`, { reason, ...extra });
}

/** Whether a name stays inside the extraction folder; returns the French reason it does not, or null. */
export function unsafeEntryName(name: string): string | null {
  if (name === '') return 'nom vide';
  if (name.includes('\\')) return `barre oblique inverse dans « ${printable(name)} »`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F]/.test(name)) return `caractère de contrôle dans « ${printable(name)} »`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `chemin absolu « ${printable(name)} »`;
  if (name.split('/').some((s) => s === '..')) return `remontée de dossier (« .. ») dans « ${printable(name)} »`;
  return null;
}

function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001F\u007F]/g, '?').slice(0, 120);
}

export interface ZipEntryData {
  name: string;
  data: Buffer;
}

/** Maps yauzl's English errors to French refusals. */
function fromYauzl(error: unknown): CabinetError {
  if (error instanceof CabinetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const named = /^(?:invalid characters in fileName|absolute path|invalid relative path): (.*)$/s.exec(message);
  if (named)
    return zipRefusal('chemin_interdit', `chemin interdit (${unsafeEntryName(named[1] ?? '') ?? 'nom refusé'})`, {
      entree: printable(named[1] ?? ''),
    });
  if (/End of central directory record signature not found|Invalid comment length/.test(message))
    return zipRefusal('pas_un_zip', 'ce fichier n’est pas une archive zip, ou elle est tronquée');
  if (/strong encryption|encrypted/i.test(message)) return zipRefusal('chiffre', 'elle contient une entrée chiffrée');
  if (/too many bytes in the stream/.test(message))
    return zipRefusal('entree_trop_grosse', 'une entrée est plus grosse que sa taille déclarée');
  if (/unsupported compression method/.test(message)) return zipRefusal('methode', 'méthode de compression non prise en charge');
  return zipRefusal('corrompu', 'archive zip corrompue ou tronquée', { detail: message.slice(0, 200) });
}

/**
 * Reads every file entry of an archive into memory, limits enforced while
 * reading. Folders are skipped. Throws a French {@link CabinetError}.
 */
export async function readZip(buffer: Buffer, limits: Partial<ZipLimits> = {}): Promise<ZipEntryData[]> {
  const l: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  if (buffer.length > l.maxArchiveBytes)
    throw zipRefusal('archive_trop_grosse', `plus de ${Math.round(l.maxArchiveBytes / 1024 / 1024)} Mio`);
  if (buffer.length < 22) throw zipRefusal('pas_un_zip', 'ce fichier n’est pas une archive zip, ou elle est tronquée');
  const started = performance.now();

  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true, autoClose: true },
      (error, zipfile) => {
        if (error || !zipfile) reject(fromYauzl(error));
        else resolve(zipfile);
      },
    );
  });
  if (zip.entryCount > l.maxEntries) {
    zip.close();
    throw zipRefusal('trop_d_entrees', `${zip.entryCount} entrées, ${l.maxEntries} au plus`, { entrees: zip.entryCount });
  }

  return new Promise<ZipEntryData[]>((resolve, reject) => {
    const out: ZipEntryData[] = [];
    const seen = new Set<string>();
    let total = 0;
    let settled = false;
    const timer = setTimeout(() => finish(zipRefusal('delai', `lecture trop longue (plus de ${l.timeBudgetMs} ms)`)), l.timeBudgetMs);
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) {
        try {
          zip.close();
        } catch {
          // already closed
        }
        reject(fromYauzl(error));
      } else resolve(out);
    };
    const overTime = () => performance.now() - started > l.timeBudgetMs;

    zip.on('error', (error) => finish(error));
    zip.on('end', () => finish());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (settled) return;
      try {
        if (overTime()) throw zipRefusal('delai', `lecture trop longue (plus de ${l.timeBudgetMs} ms)`);
        const name = entry.fileName;
        const unsafe = unsafeEntryName(name);
        if (unsafe !== null) throw zipRefusal('chemin_interdit', `chemin interdit (${unsafe})`, { entree: printable(name) });
        if (name.endsWith('/')) {
          zip.readEntry();
          return;
        }
        const key = name.toLowerCase();
        if (seen.has(key)) throw zipRefusal('doublon', `entrée « ${printable(name)} » présente deux fois`, { entree: printable(name) });
        seen.add(key);
        if (entry.isEncrypted()) throw zipRefusal('chiffre', `l’entrée « ${printable(name)} » est chiffrée`, { entree: printable(name) });
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
          throw zipRefusal('methode', `méthode de compression ${entry.compressionMethod} non prise en charge pour « ${printable(name)} »`, {
            entree: printable(name),
          });
        }
        if (entry.uncompressedSize > l.maxEntryBytes) {
          throw zipRefusal(
            'entree_trop_grosse',
            `« ${printable(name)} » fait ${entry.uncompressedSize} octets décompressée, ${l.maxEntryBytes} au plus`,
            { entree: printable(name) },
          );
        }
        if (total + entry.uncompressedSize > l.maxTotalBytes)
          throw zipRefusal('total_trop_gros', `plus de ${l.maxTotalBytes} octets une fois décompressée`);
        checkRatio(name, entry.uncompressedSize, entry.compressedSize, l);
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) return finish(error);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            total += chunk.length;
            try {
              if (size > l.maxEntryBytes)
                throw zipRefusal('entree_trop_grosse', `« ${printable(name)} » dépasse ${l.maxEntryBytes} octets décompressée`, {
                  entree: printable(name),
                });
              if (total > l.maxTotalBytes) throw zipRefusal('total_trop_gros', `plus de ${l.maxTotalBytes} octets une fois décompressée`);
              checkRatio(name, size, entry.compressedSize, l);
              if (overTime()) throw zipRefusal('delai', `lecture trop longue (plus de ${l.timeBudgetMs} ms)`);
            } catch (refusal) {
              stream.destroy();
              finish(refusal);
              return;
            }
            chunks.push(chunk);
          });
          stream.on('error', (e) => finish(e));
          stream.on('end', () => {
            if (settled) return;
            const data = Buffer.concat(chunks);
            if (zlib.crc32(data) !== entry.crc32)
              return finish(
                zipRefusal('crc', `contrôle d’intégrité (CRC-32) faux pour « ${printable(name)} »`, { entree: printable(name) }),
              );
            out.push({ name, data });
            zip.readEntry();
          });
        });
      } catch (refusal) {
        finish(refusal);
      }
    });
    zip.readEntry();
  });
}

function checkRatio(name: string, uncompressed: number, compressed: number, l: ZipLimits): void {
  if (uncompressed <= l.ratioFloorBytes) return;
  const ratio = uncompressed / Math.max(compressed, 1);
  if (ratio > l.maxRatio) {
    throw zipRefusal(
      'taux_de_compression',
      `taux de compression suspect pour « ${printable(name)} » (${Math.round(ratio)} pour 1, ${l.maxRatio} au plus : bombe zip ?)`,
      { entree: printable(name), ratio: Math.round(ratio) },
    );
  }
}

/** Builds an archive in memory. Names are checked like on reading. */
export async function writeZip(entries: readonly ZipEntryData[], mtime: Date = new Date()): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    const unsafe = unsafeEntryName(e.name);
    if (unsafe !== null) throw new CabinetError('INVALID_REQUEST', `Nom de fichier refusé dans l’archive : ${unsafe}.`);
    zip.addBuffer(e.data, e.name, { mtime, compress: true });
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
  zip.end();
  return done;
}
