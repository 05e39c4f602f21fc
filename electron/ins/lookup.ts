/**
 * INSi as the patient service needs it: the configured endpoint, the
 * structure's INSI-MANU / INSI-AUTO software certificate (or, failing that,
 * the logged-in practitioner's CPS card), the software's CNDA authorisation
 * number, and the result shaped for the identification screen.
 *
 * Configuration: CABINET_INSI_P12 + CABINET_INSI_P12_PASSWORD (the software
 * certificate; in the sandbox, the test PKI's INSI-MANU by default),
 * CABINET_INSI_IDAM (the CNDA authorisation number).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CabinetError } from '../../shared/contract/outcome.js';
import type { InsTraits } from '../../shared/domain/ins/index.js';
import { APP_NAME, APP_VERSION } from '../platform/version.js';
import type { IdentityService } from '../identity/service.js';
import type { CabinetConfig } from '../platform/config/config.js';
import type { Tracer } from '../platform/trace/trace.js';
import type { InsiLookup, InsiOutcome } from '../patients/service.js';
import { openInsiCertificate } from './client/certificate.js';
import { InsiClient, type InsiCredentials, type InsiSearchOutcome } from './client/client.js';

export const SANDBOX_P12_PASSWORD = 'cabinet-test';
/** The authorisation number the INSi sandbox accepts (its SANDBOX_IDAM), used when none is configured in the sandbox environment. */
export const SANDBOX_IDAM = 'CABINET-BAS-0001';
const MAX_VITALE_FILE = 64 * 1024;

export interface InsiLookupOptions {
  config: CabinetConfig;
  env: NodeJS.ProcessEnv;
  serverTrust: readonly string[];
  tracer: Tracer;
  identity: IdentityService;
  /** Chain and revocation check of the software certificate (the identity checks' `validate`). */
  validate: (leafPem: string, chainPem: readonly string[], purpose: 'clientAuth') => Promise<void>;
}

function softwareCertificate(options: InsiLookupOptions): { content: Buffer; password: string } | null {
  const file =
    options.env.CABINET_INSI_P12?.trim() ||
    (options.config.env === 'sandbox' && options.config.trustDir ? path.join(options.config.trustDir, 'logiciels', 'insi-manu.p12') : '');
  if (!file || !fs.existsSync(file)) return null;
  const password = options.env.CABINET_INSI_P12_PASSWORD ?? (options.config.env === 'sandbox' ? SANDBOX_P12_PASSWORD : '');
  return { content: fs.readFileSync(file), password };
}

async function credentials(options: InsiLookupOptions): Promise<InsiCredentials> {
  const software = softwareCertificate(options);
  if (software) {
    const certificate = openInsiCertificate(software.content, software.password);
    await options.validate(certificate.tls.certPem, certificate.tls.chainPem, 'clientAuth');
    return { kind: 'certificat', tls: certificate.tls, emitter: certificate.emitter };
  }
  const session = options.identity.session.require();
  if (!session.signature || session.practitioner.source !== 'carte_cps') {
    throw new CabinetError(
      'UNAVAILABLE',
      'INSi : aucun certificat logiciel INSI-MANU configuré, et la connexion actuelle n’est pas une carte CPS. Configurez CABINET_INSI_P12 ou connectez-vous avec votre carte.',
    );
  }
  return { kind: 'cps', credentials: session, identifiantFacturation: session.practitioner.idNatPs, secteurActivite: 'SA07' };
}

/** The client's answer shaped for the patient service (and its identification screen). */
export function toOutcome(outcome: InsiSearchOutcome): InsiOutcome {
  const { result, attempts } = outcome;
  const individu = result.cr === '00' ? result.individu : undefined;
  return {
    cr: result.cr,
    label: result.message,
    attempts: attempts.map((a) => ({ prenom: a.prenom ?? '', cr: a.cr ?? (a.error ? 'erreur' : '') })),
    individu: individu
      ? {
          ins: { matricule: individu.insActif.matricule, cle: individu.insActif.cle ?? '', oid: individu.insActif.oid },
          history: individu.insHisto.map((h) => ({
            matricule: h.matricule,
            cle: h.cle ?? '',
            oid: h.oid,
            dateDeb: h.dateDebut ?? null,
            dateFin: h.dateFin ?? null,
          })),
          traits: { ...individu.tiq, lieuNaissance: individu.tiq.lieuNaissance ?? null },
        }
      : null,
  };
}

/** A test « carte Vitale » data file: only what a real card carries is read (holder NIR, beneficiaries' NIR, name, birth date, rank). */
const vitaleFile = z.object({
  assure: z.object({ matricule: z.string() }),
  beneficiaires: z
    .array(
      z.object({
        rangNaissance: z.number().int(),
        nirCarte: z.object({ matricule: z.string() }).nullable().optional(),
        traits: z.object({ nomNaissance: z.string(), dateNaissance: z.string() }),
      }),
    )
    .min(1)
    .max(20),
});

export function readVitaleCard(content: Buffer, beneficiaire: number) {
  if (content.length === 0 || content.length > MAX_VITALE_FILE)
    throw new CabinetError('INVALID_REQUEST', 'Ce fichier n’est pas une carte Vitale de test : taille inattendue.');
  let parsed: z.infer<typeof vitaleFile>;
  try {
    parsed = vitaleFile.parse(JSON.parse(content.toString('utf8')));
  } catch {
    throw new CabinetError('INVALID_REQUEST', 'Ce fichier n’est pas une carte Vitale de test lisible.');
  }
  const who = parsed.beneficiaires[beneficiaire];
  if (!who) throw new CabinetError('INVALID_REQUEST', `La carte ne porte que ${parsed.beneficiaires.length} bénéficiaire(s).`);
  return {
    matriculeOD: parsed.assure.matricule,
    ...(who.nirCarte ? { matriculeIndividu: who.nirCarte.matricule } : {}),
    nomNaissance: who.traits.nomNaissance,
    dateNaissance: who.traits.dateNaissance,
    rangNaissance: who.rangNaissance,
  };
}

export function createInsiLookup(options: InsiLookupOptions): InsiLookup {
  const url = options.config.endpoints.insi.url;
  if (!url) throw new CabinetError('UNAVAILABLE', 'Le téléservice INSi n’est pas configuré pour cet environnement.');
  const authorisationNumber = options.env.CABINET_INSI_IDAM?.trim() || (options.config.env === 'sandbox' ? SANDBOX_IDAM : '');
  if (!authorisationNumber)
    throw new CabinetError('CONFIG_INVALID', 'Le numéro d’autorisation CNDA du logiciel (CABINET_INSI_IDAM) n’est pas configuré.');
  const client = async () =>
    new InsiClient({
      url,
      credentials: await credentials(options),
      extraCa: options.serverTrust,
      tracer: options.tracer,
      software: {
        authorisationNumber,
        name: APP_NAME,
        version: APP_VERSION,
        instance: createHash('sha256').update(options.config.dataDir).digest('hex').slice(0, 32),
      },
    });
  const run = async (body: (c: InsiClient) => Promise<InsiSearchOutcome>) => {
    const c = await client();
    try {
      return toOutcome(await body(c));
    } finally {
      c.close?.();
    }
  };
  return {
    byTraits: (traits: InsTraits) =>
      run((c) =>
        c.rechercherParTraits({
          nomNaissance: traits.nomNaissance,
          prenoms: traits.listePrenoms,
          sexe: traits.sexe as 'M' | 'F',
          dateNaissance: traits.dateNaissance,
          ...(traits.lieuNaissance ? { lieuNaissance: traits.lieuNaissance } : {}),
        }),
      ),
    byVitale: (card: Buffer, beneficiaire: number) => run((c) => c.rechercherParCarteVitale(readVitaleCard(card, beneficiaire))),
  };
}
