/**
 * The diagnostics log: unexpected errors (never patient data, never secrets)
 * as JSON lines in <data>/logs/diagnostic.log, rotated at 5 MB, for support.
 * A failure here never breaks the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { redactText } from '../trace/trace.js';

const MAX_BYTES = 5 * 1024 * 1024;

export interface Diagnostics {
  file: string;
  error(where: string, error: unknown): void;
  /** Something support must know about the installation (a French sentence, no patient data), also echoed on stderr. */
  warn(where: string, message: string): void;
}

export function createDiagnostics(
  dataDir: string,
  echo: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Diagnostics {
  const dir = path.join(dataDir, 'logs');
  const file = path.join(dir, 'diagnostic.log');
  const append = (entry: object) => {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (fs.existsSync(file) && fs.statSync(file).size > MAX_BYTES) fs.renameSync(file, `${file}.1`);
      fs.appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    } catch {
      // Nowhere to write: the echo is all we can do.
    }
  };
  return {
    file,
    error(where, error) {
      const err = error instanceof Error ? error : new Error(String(error));
      const entry = {
        at: new Date().toISOString(),
        level: 'error',
        where,
        name: err.name,
        message: redactText(err.message),
        stack: err.stack ? redactText(err.stack) : undefined,
      };
      append(entry);
      echo(`[cabinet] erreur interne (${where}) : ${entry.message}`);
    },
    warn(where, message) {
      const entry = { at: new Date().toISOString(), level: 'warn', where, message: redactText(message) };
      append(entry);
      echo(`[cabinet] attention (${where}) : ${entry.message}`);
    },
  };
}
