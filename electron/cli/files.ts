/** Files named on the command line: untrusted, bounded, refused in French. */
import fs from 'node:fs';
import { CabinetError } from '../../shared/contract/outcome.js';

/** Reads a local file given on the command line, bounded, with French errors. */
export function readInputFile(file: string, maxBytes: number, what: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new CabinetError('NOT_FOUND', `${what} introuvable : ${file}.`);
  }
  if (!stat.isFile()) throw new CabinetError('INVALID_REQUEST', `${what} : ${file} n’est pas un fichier.`);
  const tooBig = () =>
    new CabinetError('INVALID_REQUEST', `${what} trop volumineux : ${file} (plus de ${Math.round(maxBytes / 1024 / 1024)} Mio).`);
  if (stat.size > maxBytes) throw tooBig();
  // Read by chunks up to the bound: some files lie about their size (/proc, /sys: 0) or cannot be read (/proc/self/mem: EIO).
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new CabinetError(
      'INVALID_REQUEST',
      `${what} illisible : ${file} (${(error as NodeJS.ErrnoException).code ?? 'erreur de lecture'}).`,
    );
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooBig();
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof CabinetError) throw error;
    throw new CabinetError(
      'INVALID_REQUEST',
      `${what} illisible : ${file} (${(error as NodeJS.ErrnoException).code ?? 'erreur de lecture'}).`,
    );
  } finally {
    fs.closeSync(fd);
  }
}
