/**
 * The Diagnostic's identity checks: the card reader and PKCS#11 module
 * (through the identity service's card listing, the only place that loads
 * the native module), the trust folder's CRLs, and — only while a session is
 * open — the practitioner's own certificates (dates, chain, revocation).
 * Before login nothing personal is read: no card label, no serial number.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { certificateExpiryVerdict, crlVerdict, type DiagnosticCheck, type VerdictOnly } from '../../shared/domain/diagnostic.js';
import { CertificateRefused, validateCertificate, type CertificatePurpose } from './certificates/trust.js';
import type { IdentityService } from './service.js';
import type { TrustStore } from './trust-store.js';

const ALTERNATIVES = 'En attendant, vous pouvez vous connecter avec e-CPS (application sur votre téléphone) ou un certificat logiciel.';

/** `usingOtherSource`: logged in without a card (certificate, e-CPS) — a missing card module is then no concern. */
export function cardChecks(identity: Pick<IdentityService, 'cards'>, usingOtherSource = false): DiagnosticCheck[] {
  const listing = identity.cards();
  if (!listing.modulePath && usingOtherSource) {
    return [
      {
        id: 'carte.module',
        area: 'carte',
        label: 'Module de la carte CPS (Cryptolib CPS, PKCS#11)',
        verdict: 'non-applicable',
        detail: 'Vous êtes connecté sans carte CPS ; la Cryptolib CPS n’est pas installée sur ce poste.',
        action: 'Pour utiliser votre carte CPS, installez la Cryptolib CPS (esante.gouv.fr).',
        data: { module: null },
      },
    ];
  }
  const module: DiagnosticCheck = {
    id: 'carte.module',
    area: 'carte',
    label: 'Module de la carte CPS (Cryptolib CPS, PKCS#11)',
    verdict: 'ok',
    detail: '',
    action: '',
    data: { module: listing.modulePath },
  };
  if (!listing.modulePath) {
    return [
      {
        ...module,
        verdict: 'attention',
        detail: 'La Cryptolib CPS n’est pas installée sur ce poste (ou son emplacement n’est pas indiqué dans Réglages).',
        action: `Installez la Cryptolib CPS (téléchargement sur esante.gouv.fr), ou indiquez l’emplacement du module dans Réglages › « Module de la carte CPS ». ${ALTERNATIVES}`,
      },
      {
        id: 'carte.lecteur',
        area: 'carte',
        label: 'Lecteur et carte',
        verdict: 'non-applicable',
        detail: 'Sans module de carte, les lecteurs ne peuvent pas être interrogés.',
        action: '',
      },
    ];
  }
  if (!listing.moduleFound) {
    return [
      {
        ...module,
        verdict: 'echec',
        detail: listing.message ?? `Le module ${listing.modulePath} ne se charge pas.`,
        action: `Réinstallez la Cryptolib CPS, ou corrigez l’emplacement du module dans Réglages. ${ALTERNATIVES}`,
      },
      {
        id: 'carte.lecteur',
        area: 'carte',
        label: 'Lecteur et carte',
        verdict: 'non-applicable',
        detail: 'Le module de la carte ne répond pas : les lecteurs ne peuvent pas être interrogés.',
        action: '',
      },
    ];
  }
  const readers = [...new Set(listing.cards.map((c) => c.slotDescription))];
  const cards: DiagnosticCheck =
    listing.cards.length === 0
      ? {
          id: 'carte.lecteur',
          area: 'carte',
          label: 'Lecteur et carte',
          verdict: 'attention',
          detail: 'Aucune carte CPS détectée.',
          action:
            'Insérez votre carte CPS, puce vers le haut, et vérifiez que le lecteur est branché (son voyant doit être allumé) ; puis « Relancer ».',
          data: { cartes: 0 },
        }
      : {
          id: 'carte.lecteur',
          area: 'carte',
          label: 'Lecteur et carte',
          verdict: 'ok',
          detail: `${listing.cards.length} carte(s) détectée(s) — lecteur : ${readers.join(', ')}.`,
          action: '',
          data: { cartes: listing.cards.length },
        };
  return [{ ...module, detail: `Module chargé : ${listing.modulePath}.` }, cards];
}

function crlInfo(input: Uint8Array): { issuer: string; thisUpdate: Date; nextUpdate: Date | null }[] {
  const text = Buffer.from(input).subarray(0, 64).toString('latin1');
  const ders = text.includes('-----BEGIN')
    ? (
        Buffer.from(input)
          .toString('latin1')
          .match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? []
      ).map((pem) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
    : [Buffer.from(input)];
  return ders.flatMap((der) => {
    try {
      const crl = new x509.X509Crl(new Uint8Array(der));
      const cn = /CN=([^,]+)/.exec(crl.issuer)?.[1] ?? crl.issuer;
      return [{ issuer: cn, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate ?? null }];
    } catch {
      return [];
    }
  });
}

/** Freshness of the trust folder's CRLs (not personal: the authorities' lists). */
export function crlCheck(trust: TrustStore, now: Date): DiagnosticCheck {
  const base = { id: 'certificats.crl', area: 'certificats' as const, label: 'Listes de révocation (CRL) de l’IGC-Santé' };
  if (!trust.dir || trust.anchorsPem.length === 0) {
    return {
      ...base,
      verdict: 'echec',
      detail: `Aucune autorité de confiance IGC-Santé n’est installée${trust.dir ? ` dans ${trust.dir}` : ''} : aucune connexion par carte ou certificat n’est possible.`,
      action:
        'Demandez à votre administrateur d’installer le dossier de confiance IGC-Santé (CABINET_TRUST_DIR ou « trustDir » du fichier géré).',
    };
  }
  const crls = trust.crls.flatMap((c) => crlInfo(c));
  return { ...base, ...crlVerdict(crls, now), data: { dossier: trust.dir, crl: crls.length } };
}

const worst = (a: VerdictOnly, b: VerdictOnly): VerdictOnly => {
  const rank = { ok: 0, 'non-applicable': 0, attention: 1, echec: 2 } as const;
  return rank[b.verdict] > rank[a.verdict] ? b : a;
};

async function certificateCheck(
  id: string,
  label: string,
  pem: string,
  chain: readonly string[],
  purpose: CertificatePurpose,
  trust: TrustStore,
  now: Date,
): Promise<DiagnosticCheck> {
  const cert = new X509Certificate(pem);
  const dates = certificateExpiryVerdict(new Date(cert.validFrom), new Date(cert.validTo), now);
  let chainVerdict: VerdictOnly;
  try {
    const validated = await validateCertificate({
      leafPem: pem,
      intermediatesPem: [...chain, ...trust.intermediatesPem],
      anchorsPem: trust.anchorsPem,
      crls: trust.crls,
      at: now,
      purpose,
      requireCrl: false,
    });
    chainVerdict =
      validated.revocation === 'verifiee'
        ? { verdict: 'ok', detail: 'chaîne de certification et révocation vérifiées', action: '' }
        : {
            verdict: 'attention',
            detail: `révocation non vérifiée : ${validated.warnings.join(' ; ')}`,
            action: 'Mettez à jour les listes de révocation (CRL) du dossier de confiance.',
          };
  } catch (error) {
    const message = error instanceof CertificateRefused ? error.message : 'certificat illisible';
    chainVerdict = {
      verdict: 'echec',
      detail: message,
      action:
        'Ce certificat sera refusé par les services nationaux : contactez le support de l’ANS (carte) ou votre administrateur (dossier de confiance).',
    };
  }
  const verdict = worst(dates, chainVerdict);
  const detail =
    verdict === dates
      ? `${dates.detail} ${chainVerdict.verdict === 'ok' ? 'Chaîne de certification et révocation vérifiées.' : chainVerdict.detail}`
      : `${chainVerdict.detail}. ${dates.detail}`;
  return {
    id,
    area: 'certificats',
    label,
    verdict: verdict.verdict,
    detail,
    action: verdict.action,
    data: { expiration: new Date(cert.validTo).toISOString() },
  };
}

/** The logged-in practitioner's certificates; non-applicable (and nothing read) without an open session. */
export async function practitionerCertificateChecks(
  identity: Pick<IdentityService, 'session'>,
  trust: TrustStore,
  now: Date,
): Promise<DiagnosticCheck[]> {
  const base = { id: 'certificats.praticien', area: 'certificats' as const, label: 'Certificats du praticien' };
  const snapshot = identity.session.snapshot();
  if (snapshot.state !== 'connecte') {
    return [
      {
        ...base,
        verdict: 'non-applicable',
        detail: 'Aucune session ouverte : vos certificats seront vérifiés une fois connecté.',
        action: '',
      },
    ];
  }
  const credentials = identity.session.require();
  if (!credentials.authentication && !credentials.signature) {
    return [
      {
        ...base,
        verdict: 'non-applicable',
        detail: 'Connexion e-CPS : aucun certificat sur ce poste (Pro Santé Connect authentifie par le téléphone).',
        action: '',
      },
    ];
  }
  const checks: Promise<DiagnosticCheck>[] = [];
  if (credentials.authentication) {
    checks.push(
      certificateCheck(
        'certificats.authentification',
        'Certificat d’authentification du praticien',
        credentials.authentication.certificatePem,
        credentials.authentication.chainPem,
        'clientAuth',
        trust,
        now,
      ),
    );
  }
  if (credentials.signature && credentials.signature.certificatePem !== credentials.authentication?.certificatePem) {
    checks.push(
      certificateCheck(
        'certificats.signature',
        'Certificat de signature du praticien',
        credentials.signature.certificatePem,
        credentials.signature.chainPem,
        'signature',
        trust,
        now,
      ),
    );
  }
  return Promise.all(checks);
}
