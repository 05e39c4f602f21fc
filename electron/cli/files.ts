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
  if (stat.size > maxBytes) throw new CabinetError('INVALID_REQUEST', `${what} trop volumineux : ${file} (plus de ${Math.round(maxBytes / 1024 / 1024)} Mio).`);
  return fs.readFileSync(file);
}
