/**
 * The `annuaire` contract group: searching MSSanté recipients in the
 * Annuaire Santé (directory lookups are not patient data: not audited).
 */
import { z } from 'zod';
import { mailboxTypes } from '../domain/annuaire/fhir.js';

export const mailboxType = z.enum(mailboxTypes);

export const annuaireSearchRequest = z
  .object({
    /** A name (« martin », « marie martin », « centre hospitalier »), an RPPS (11 digits) or an idNat_PS. */
    text: z.string().trim().min(2).max(100),
    city: z.string().trim().min(1).max(80).optional(),
    types: z.array(mailboxType).min(1).max(4).optional(),
    /** Most recipients returned (default 20). */
    limit: z.number().int().min(1).max(100).default(20),
  })
  .strict();

/** One MSSanté mailbox as the recipient picker shows it. */
export const recipient = z.object({
  /** The mailbox address (lower-cased domain): unique, and the key. */
  address: z.string().max(320),
  mailboxType,
  mailboxTypeLabel: z.string(),
  /** « Dr Marie MARTIN », « Centre hospitalier de Lyon — Secrétariat de cardiologie ». */
  displayName: z.string().max(300),
  profession: z.string().max(200).nullable(),
  specialty: z.string().max(200).nullable(),
  organisation: z.string().max(300).nullable(),
  city: z.string().max(120).nullable(),
  rpps: z.string().max(20).nullable(),
  idNatPs: z.string().max(20).nullable(),
  /** Service or description published with the mailbox. */
  description: z.string().max(300).nullable(),
});

export const annuaireSearchResponse = z.object({
  recipients: z.array(recipient).max(100),
  /** Directory entries (practitioners and structures) matching, as counted by the Annuaire. */
  total: z.number().int().min(0),
});

export type Recipient = z.infer<typeof recipient>;
export type AnnuaireSearchQuery = z.output<typeof annuaireSearchRequest>;
export type AnnuaireSearchResult = z.infer<typeof annuaireSearchResponse>;
