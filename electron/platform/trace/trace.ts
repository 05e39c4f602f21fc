/**
 * Exchange traces for support and homologation: when CABINET_TRACE_DIR is
 * set, each request/response exchanged with a national service is written
 * there as one JSON file, secrets redacted (passwords, PINs, tokens,
 * Authorization headers, private keys, signature values).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NationalService } from '../../../shared/domain/services.js';

const SECRET_KEY = /(pass(word)?|pin|secret|token|authorization|cookie|private|api[-_]?key|assertion)$/i;
const MAX_TRACE_TEXT = 8 * 1024 * 1024;
export const REDACTED = '[masqué]';

export function redactText(text: string): string {
  return text
    .replace(/-----BEGIN ([A-Z ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g, `-----BEGIN $1-----${REDACTED}-----END $1-----`)
    .replace(/^((?:authorization|proxy-authorization|cookie|set-cookie)\s*:).*$/gim, `$1 ${REDACTED}`)
    .replace(
      /(<(?:[\w-]+:)?(?:SignatureValue|Password|BinarySecurityToken)\b[^>]*>)[\s\S]*?(<\/(?:[\w-]+:)?(?:SignatureValue|Password|BinarySecurityToken)>)/g,
      `$1${REDACTED}$2`,
    )
    .replace(/((?:access|refresh|id)_token["']?\s*[:=]\s*["']?)[\w.~+/=-]+/gi, `$1${REDACTED}`)
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/g, `$1 ${REDACTED}`)
    .replace(/(pin-value=)[^;&\s]+/gi, `$1${REDACTED}`);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[…]';
  if (typeof value === 'string') return redactText(value.length > MAX_TRACE_TEXT ? `${value.slice(0, MAX_TRACE_TEXT)}[… tronqué]` : value);
  if (Buffer.isBuffer(value)) return redactText(value.subarray(0, MAX_TRACE_TEXT).toString('utf8'));
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1)]),
    );
  }
  return value;
}

export interface Exchange {
  service: NationalService;
  /** Operation name from the specification (ITI-41, rechercherInsAvecTraitsIdentite, probe …). */
  operation: string;
  url: string | null;
  startedAt: Date;
  durationMs: number;
  request: unknown;
  response: unknown;
  outcome: 'ok' | 'erreur';
}

export interface Tracer {
  record(exchange: Exchange): void;
}

export const noTrace: Tracer = { record: () => undefined };

export class DirectoryTracer implements Tracer {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  record(exchange: Exchange): void {
    const stamp = exchange.startedAt.toISOString().replace(/[:.]/g, '-');
    const file = path.join(
      this.dir,
      `${stamp}_${exchange.service}_${exchange.operation.replace(/[^\w.-]/g, '_')}_${randomBytes(3).toString('hex')}.json`,
    );
    const body = {
      ...exchange,
      startedAt: exchange.startedAt.toISOString(),
      request: redact(exchange.request),
      response: redact(exchange.response),
    };
    try {
      fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      // A trace must never break the exchange it describes.
    }
  }
}

/**
 * Said at every start while CABINET_TRACE_DIR is set: traces are for support and homologation, and
 * they hold patient data in clear (only secrets are redacted).
 */
export function traceDirWarning(dir: string): string {
  return (
    `Les échanges avec les services nationaux sont enregistrés dans ${dir} (CABINET_TRACE_DIR). ` +
    'Ces traces contiennent en clair des données de patients (INS, noms, prénoms, dates de naissance) : ' +
    'réservez-les au support ou à l’homologation, protégez ce dossier, effacez-les ensuite et retirez CABINET_TRACE_DIR.'
  );
}

export function createTracer(dir: string | null): Tracer {
  return dir ? new DirectoryTracer(dir) : noTrace;
}
