/**
 * Reuses a signed VIHF for 20 minutes: a card signature costs a round trip to
 * the card (and, on some readers, a visible blink), and a DMP session makes
 * several calls for the same patient in a row. An assertion lives 60 minutes
 * (see vihf.ts), so a reused one still has at least 40 minutes ahead of it.
 *
 * Key: practitioner (idNat_PS), modes (access mode — normal, bris de glace,
 * centre 15 — and authentication mode), patient (INS, or none). Any other
 * change (structure, software, specialty, signing certificate) also gives a
 * new assertion: the entry remembers a fingerprint of everything signed.
 * `clear()` on logout or card removal.
 */
import crypto from 'node:crypto';
import type { Signer } from '../types.js';
import { buildVihf, parseVihfInput, type VihfInput } from './vihf.js';

export const VIHF_REUSE_MS = 20 * 60_000;

interface Entry {
  xml: string;
  builtAt: number;
  fingerprint: string;
}

export interface VihfCacheOptions {
  clock?: () => Date;
  maxAgeMs?: number;
  /** Oldest entries are dropped beyond this (one per patient seen in the session). */
  maxEntries?: number;
}

export class VihfCache {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => Date;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(options: VihfCacheOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.maxAgeMs = options.maxAgeMs ?? VIHF_REUSE_MS;
    this.maxEntries = options.maxEntries ?? 256;
  }

  /** A signed VIHF for this input: the cached one if younger than 20 minutes, a new one otherwise. */
  get(input: VihfInput, signer: Signer): string {
    const parsed = parseVihfInput(input);
    const key = JSON.stringify([
      parsed.practitioner.idNatPs,
      parsed.purposeOfUse,
      parsed.authenticationMode,
      parsed.patientIns ? `${parsed.patientIns.value}|${parsed.patientIns.oid}` : null,
    ]);
    const fingerprint = crypto.createHash('sha256').update(JSON.stringify(parsed)).update('\n').update(signer.certificatePem).digest('hex');
    const now = this.clock();
    const entry = this.entries.get(key);
    const age = entry ? now.getTime() - entry.builtAt : Number.NaN;
    // A clock that went backwards (age < 0) also rebuilds: the cached window could be wrong.
    if (entry && entry.fingerprint === fingerprint && age >= 0 && age < this.maxAgeMs) return entry.xml;

    const xml = buildVihf(parsed, signer, now);
    this.entries.delete(key);
    this.entries.set(key, { xml, builtAt: now.getTime(), fingerprint });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return xml;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forget every assertion (logout, card removed, practitioner changed). */
  clear(): void {
    this.entries.clear();
  }
}
