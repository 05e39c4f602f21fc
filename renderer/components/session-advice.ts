/**
 * What to do next after a refused certificate: the services say why (revoked, expired…), this says
 * what the practitioner can do about it, in one sentence. Pure; keyed on `details.reason`.
 */
import type { Failure } from '../../shared/contract/index.js';

const adviceByReason: Record<string, string> = {
  revoque:
    'Ce certificat ne peut plus servir : connectez-vous avec une autre carte, un autre certificat ou e-CPS, et demandez-en un nouveau.',
  expire: 'Connectez-vous avec votre nouvelle carte, un certificat à jour ou e-CPS.',
  pas_encore_valide: 'Vérifiez la date et l’heure de cet ordinateur, puis réessayez.',
  autorite_inconnue: 'Utilisez votre carte CPS ou un certificat délivré par l’IGC-Santé, ou connectez-vous avec e-CPS.',
  signature_invalide: 'Ce certificat est altéré : utilisez votre carte CPS, un autre certificat ou e-CPS.',
  liste_revocation:
    'Cabinet n’a pas pu vérifier que ce certificat n’est pas révoqué (liste de révocation absente ou périmée). Réessayez dans quelques minutes ; si cela dure, prévenez votre support.',
  usage:
    'Ce certificat n’est pas prévu pour se connecter : choisissez le certificat d’authentification de votre carte ou de votre fichier.',
};

/** The next step for a `CERTIFICATE_REFUSED` failure, or null when there is nothing more to say. */
export function refusalAdvice(failure: Pick<Failure, 'code' | 'details'>): string | null {
  const refused = failure as Failure;
  if (refused.code !== 'CERTIFICATE_REFUSED') return null;
  const reason = refused.details?.reason; // typed by the contract's details schema
  return reason ? (adviceByReason[reason] ?? null) : null;
}
