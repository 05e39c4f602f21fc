/**
 * Anchors of the audit chain outside the database.
 *
 * Whoever holds the database key can rewrite the chain (edit a row and
 * recompute the hashes, delete and renumber, drop the newest rows) or swap the
 * database for an older copy: the chain alone still holds. So at login, lock
 * and logout a checkpoint `{ storeId, count, headId, headHash, time, actor }`
 * is signed with the practitioner's own signature key (on the card, or from
 * the .p12) and appended to `<data>/audit-anchors.jsonl`, with the signer's
 * certificate and chain. The database key does not give that key, so a
 * rewritten chain no longer matches the signed head hash at that position.
 *
 * After each checkpoint an `audit.ancrage` row records its count in the
 * chain, so a removed or truncated anchors file is noticed as long as those
 * rows are there. Limits: rows after the last checkpoint are not anchored
 * (verify says how many); deleting the anchors file *and* rewriting the chain
 * without those rows leaves only « aucun point d’ancrage » as a warning.
 */
import { verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../../../shared/domain/canonical-json.js';
import type { Db } from '../store/database.js';

export const ANCHORS_FILE = 'audit-anchors.jsonl';
export const ANCHOR_ACTION = 'audit.ancrage';
/** A line is ~4 KB (two certificates); 20,000 checkpoints ≈ 80 MB is far more than years of logins. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_LINE_BYTES = 64 * 1024;

export type AnchorEvent = 'login' | 'lock' | 'logout';

const checkpointSchema = z.strictObject({
  v: z.literal(1),
  storeId: z.string().regex(/^[0-9a-f]{32}$/),
  count: z.number().int().min(1),
  headId: z.number().int().min(1),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  time: z.iso.datetime(),
  actor: z.string().min(1).max(64),
  event: z.enum(['login', 'lock', 'logout']),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

const lineSchema = z.strictObject({
  checkpoint: checkpointSchema,
  algorithm: z.literal('RSA-SHA256'),
  signature: z.base64().max(2048),
  certificate: z.string().max(16_384),
  chain: z.array(z.string().max(16_384)).max(8),
});
export type AnchorLine = z.infer<typeof lineSchema>;

/** What signs a checkpoint: the practitioner's signature key (see identity/types.ts `Signer`). */
export interface CheckpointSigner {
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  sign(data: Buffer, algorithm: 'RSA-SHA256'): Buffer;
}

/** Checks a certificate chain for the `signature` purpose at a given time (the trust store's validation). */
export type ChainCheck = (leafPem: string, chainPem: readonly string[], at: Date) => Promise<void>;

export const checkpointBytes = (checkpoint: Checkpoint): Buffer => Buffer.from(canonicalJson(checkpoint));

export class AuditAnchors {
  readonly file: string;
  private readonly head;
  private readonly rowAt;
  private readonly anchorRows;

  constructor(
    private readonly db: Db,
    dataDir: string,
    private readonly storeId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.file = path.join(dataDir, ANCHORS_FILE);
    this.head = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.rowAt = db.prepare('SELECT id, hash FROM audit_log WHERE id = ?');
    this.anchorRows = db.prepare(`SELECT id, details FROM audit_log WHERE action = '${ANCHOR_ACTION}' ORDER BY id`);
  }

  /**
   * Signs the current head and appends it to the anchors file (fsync'd),
   * then records an `audit.ancrage` row through `append`. Throws when the
   * key cannot sign (card removed): the caller logs it; nothing is written.
   */
  checkpoint(signer: CheckpointSigner, actor: string, event: AnchorEvent, append: (count: number) => void): Checkpoint | null {
    const head = this.head.get() as { id: number; hash: string } | undefined;
    if (!head) return null;
    const checkpoint: Checkpoint = {
      v: 1,
      storeId: this.storeId,
      count: head.id,
      headId: head.id,
      headHash: head.hash,
      time: this.clock().toISOString(),
      actor,
      event,
    };
    const signature = signer.sign(checkpointBytes(checkpoint), 'RSA-SHA256');
    const line: AnchorLine = {
      checkpoint,
      algorithm: 'RSA-SHA256',
      signature: signature.toString('base64'),
      certificate: signer.certificatePem,
      chain: [...signer.chainPem],
    };
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(line)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    append(checkpoint.count);
    return checkpoint;
  }

  /** Checks every checkpoint against its signature, the trust store and the rows of this database. */
  async verify(chainCount: number, checkChain: ChainCheck): Promise<AnchorReport> {
    const rowAt = (id: number) => this.rowAt.get(id) as { id: number; hash: string } | undefined;
    const announced = (this.anchorRows.all() as { id: number; details: string | null }[]).flatMap((row) => {
      try {
        const count = (JSON.parse(row.details ?? '{}') as { count?: unknown }).count;
        return typeof count === 'number' ? [count] : [];
      } catch {
        return [];
      }
    });
    return verifyAnchorFile({ file: this.file, storeId: this.storeId, chainCount, rowAt, announced, checkChain });
  }
}

export interface AnchorReport {
  /** Valid checkpoints found. */
  checkpoints: number;
  /** The last valid checkpoint, if any. */
  last: { count: number; time: string; actor: string } | null;
  /** Rows of the chain after the last checkpoint (not anchored). */
  unanchored: number;
  /** Tampering found (each in French). */
  problems: string[];
  /** What is not tampering but limits what can be proved (French). */
  warnings: string[];
}

interface VerifyInput {
  file: string;
  storeId: string;
  chainCount: number;
  rowAt: (id: number) => { id: number; hash: string } | undefined;
  /** Counts recorded by `audit.ancrage` rows of the chain. */
  announced: number[];
  checkChain: ChainCheck;
}

function readLines(file: string): { lines: string[]; problem?: string } | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return null;
  }
  if (!stat.isFile()) return { lines: [], problem: 'le fichier des points d’ancrage n’est pas un fichier ordinaire' };
  if (stat.size > MAX_FILE_BYTES)
    return { lines: [], problem: `le fichier des points d’ancrage dépasse ${MAX_FILE_BYTES / 1024 / 1024} Mo` };
  const text = fs.readFileSync(file, 'utf8');
  return { lines: text.split('\n').filter((line) => line.trim() !== '') };
}

function publicKeyOf(certificatePem: string): KeyObject | null {
  try {
    return new X509Certificate(certificatePem).publicKey;
  } catch {
    return null;
  }
}

async function verifyAnchorFile(input: VerifyInput): Promise<AnchorReport> {
  const report: AnchorReport = { checkpoints: 0, last: null, unanchored: input.chainCount, problems: [], warnings: [] };
  const read = readLines(input.file);
  if (!read) {
    if (input.announced.length > 0) {
      report.problems.push(
        `le fichier des points d’ancrage (${ANCHORS_FILE}) a disparu alors que le journal en annonce ${input.announced.length}`,
      );
    } else {
      report.warnings.push(
        'aucun point d’ancrage : le journal n’est pas encore signé par un praticien (connexion par carte CPS ou certificat logiciel)',
      );
    }
    return report;
  }
  if (read.problem) report.problems.push(read.problem);

  // 1. Each line: readable, of this database, and signed by its certificate's key.
  const found: { n: number; text: string }[] = [];
  const signedLines: { n: number; line: AnchorLine }[] = [];
  const publicKeys = new Map<string, KeyObject | null>();
  for (const [index, text] of read.lines.entries()) {
    const n = index + 1;
    if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
      found.push({ n, text: `point d’ancrage n° ${n} : ligne trop longue` });
      continue;
    }
    let line: AnchorLine;
    try {
      line = lineSchema.parse(JSON.parse(text));
    } catch {
      found.push({ n, text: `point d’ancrage n° ${n} illisible (fichier modifié)` });
      continue;
    }
    if (line.checkpoint.storeId !== input.storeId) {
      found.push({ n, text: `point d’ancrage n° ${n} : il appartient à une autre base de données` });
      continue;
    }
    if (!publicKeys.has(line.certificate)) publicKeys.set(line.certificate, publicKeyOf(line.certificate));
    const key = publicKeys.get(line.certificate);
    let signed: boolean;
    try {
      signed = Boolean(key) && verifySignature('sha256', checkpointBytes(line.checkpoint), key!, Buffer.from(line.signature, 'base64'));
    } catch {
      signed = false;
    }
    if (!signed) found.push({ n, text: `point d’ancrage n° ${n} : signature invalide (point d’ancrage modifié ou forgé)` });
    else signedLines.push({ n, line });
  }

  // 2. Each signer's certificate against the trust store, once per certificate at its first and last checkpoint
  //    (validity is an interval and revocation does not depend on the time): years of logins stay fast to verify.
  const bySigner = new Map<string, { line: AnchorLine; first: Date; last: Date }>();
  for (const { line } of signedLines) {
    const id = `${line.certificate}\n${line.chain.join('\n')}`;
    const at = new Date(line.checkpoint.time);
    const entry = bySigner.get(id);
    if (!entry) bySigner.set(id, { line, first: at, last: at });
    else {
      if (at < entry.first) entry.first = at;
      if (at > entry.last) entry.last = at;
    }
  }
  const refusals = new Map<string, string | null>();
  for (const [id, { line, first, last }] of bySigner) {
    try {
      await input.checkChain(line.certificate, line.chain, first);
      if (last.getTime() !== first.getTime()) await input.checkChain(line.certificate, line.chain, last);
      refusals.set(id, null);
    } catch (error) {
      refusals.set(id, error instanceof Error ? error.message : String(error));
    }
  }

  // 3. Each trusted checkpoint against the rows of this database.
  const verified: Checkpoint[] = [];
  let highest = 0;
  for (const { n, line } of signedLines) {
    const { checkpoint } = line;
    const refusal = refusals.get(`${line.certificate}\n${line.chain.join('\n')}`);
    if (refusal) {
      found.push({ n, text: `point d’ancrage n° ${n} : certificat du signataire non reconnu (${refusal})` });
      continue;
    }
    if (checkpoint.headId !== checkpoint.count) {
      found.push({ n, text: `point d’ancrage n° ${n} : incohérent (tête #${checkpoint.headId} pour ${checkpoint.count} entrées)` });
      continue;
    }
    if (checkpoint.count < highest) {
      found.push({
        n,
        text: `point d’ancrage n° ${n} : il compte ${checkpoint.count} entrées, moins que le précédent (${highest}) — journal remplacé par une copie plus ancienne`,
      });
    }
    highest = Math.max(highest, checkpoint.count);
    verified.push(checkpoint);
    const row = input.rowAt(checkpoint.count);
    if (checkpoint.count > input.chainCount || !row) {
      found.push({
        n,
        text: `le point d’ancrage du ${checkpoint.time} (${checkpoint.actor}) atteste ${checkpoint.count} entrées, la base n’en a que ${input.chainCount} : entrées récentes supprimées ou base remplacée par une copie plus ancienne`,
      });
    } else if (row.hash !== checkpoint.headHash) {
      found.push({
        n,
        text: `l’entrée #${checkpoint.count} ne correspond pas au point d’ancrage signé du ${checkpoint.time} (${checkpoint.actor}) : journal réécrit jusqu’à cette entrée`,
      });
    }
  }
  report.problems.push(...found.sort((a, b) => a.n - b.n).map((f) => f.text));

  const counts = new Set(verified.map((c) => c.count));
  const missing = input.announced.filter((count) => !counts.has(count));
  if (missing.length > 0) {
    report.problems.push(
      `${missing.length} point(s) d’ancrage annoncé(s) par le journal manque(nt) au fichier ${ANCHORS_FILE} (fichier tronqué ou remplacé) : après l’entrée #${missing.join(', #')}`,
    );
  }
  report.checkpoints = verified.length;
  const last = verified.reduce<Checkpoint | null>((best, c) => (!best || c.count >= best.count ? c : best), null);
  if (last) {
    report.last = { count: last.count, time: last.time, actor: last.actor };
    report.unanchored = Math.max(0, input.chainCount - last.count);
  } else if (report.problems.length === 0) {
    report.warnings.push('aucun point d’ancrage valide');
  }
  if (report.unanchored > 0 && last)
    report.warnings.push(`${report.unanchored} entrées après le dernier point d’ancrage (pas encore attestées par une signature)`);
  return report;
}

export interface TrailVerification {
  valid: boolean;
  count: number;
  brokenAt?: number;
  reason?: string;
  anchors: AnchorReport;
}

/** The chain (every row follows the previous one) and then every signed checkpoint. */
export async function verifyTrail(
  chain: { valid: boolean; count: number; brokenAt?: number; reason?: string },
  anchors: AuditAnchors,
  checkChain: ChainCheck,
): Promise<TrailVerification> {
  const report = await anchors.verify(chain.count, checkChain);
  if (!chain.valid) return { ...chain, anchors: report };
  const reason = report.problems[0];
  return { ...chain, valid: report.problems.length === 0, ...(reason ? { reason } : {}), anchors: report };
}

/** One French sentence for the CLI and the diagnostics. */
export function describeTrail(result: TrailVerification): string {
  const a = result.anchors;
  const lines: string[] = [];
  if (!result.valid) {
    lines.push(
      result.brokenAt ? `Journal altéré à l’entrée #${result.brokenAt} : ${result.reason}.` : `Journal altéré : ${result.reason}.`,
    );
    for (const problem of a.problems.slice(result.brokenAt ? 0 : 1)) lines.push(`- ${problem}.`);
  } else {
    lines.push(
      `Journal intact : ${result.count} entrée(s) vérifiée(s), ${a.checkpoints} point(s) d’ancrage signé(s) vérifié(s)${a.last ? ` (dernier le ${a.last.time} par ${a.last.actor}, ${a.last.count} entrées)` : ''}.`,
    );
  }
  for (const warning of a.warnings) lines.push(`Attention : ${warning}.`);
  return lines.join('\n');
}
