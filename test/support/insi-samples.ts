/**
 * INSi samples for tests: the software identity, the recorded qualification
 * answers of ../shared/reference/insi/responses (read there), and answers we
 * write ourselves from the test vectors and fault descriptions of the notes
 * (ins-cps.md §2.3 and "Test vectors"): same shape as the service's, with a
 * default namespace and the `S:`/`soap:`/`env:` prefixes it mixes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { InsiSoftware } from '../../electron/ins/client/request.js';
import { INSI_REFERENCE_DIR } from './insi-schemas.js';

export const testSoftware: InsiSoftware = {
  authorisationNumber: 'CABINET-IDAM-TEST',
  name: 'Cabinet',
  version: '0.1.0',
  instance: '3f0c8c1e-7f0e-4d5a-9a51-2b7c1f0e9d10',
};

export function recordedResponse(name: 'REP_CR01' | 'TEST_2.05'): Buffer {
  return fs.readFileSync(path.join(INSI_REFERENCE_DIR, 'responses', `${name}.xml`));
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><S:Body xmlns:S="http://www.w3.org/2003/05/soap-envelope">';
const ENVELOPE_CLOSE = '</S:Body></soap:Envelope>';

/** A RESULTAT as the service writes it (default namespace, the two other INSi namespaces declared). */
export function resultatEnvelope(inner: string): string {
  return `${ENVELOPE_OPEN}<RESULTAT xmlns:ns3="http://www.cnamts.fr/INSiRecVit" xmlns:ns2="http://www.cnamts.fr/INSiRecSans" xmlns="http://www.cnamts.fr/INSiResultat">${inner}</RESULTAT>${ENVELOPE_CLOSE}`;
}

export interface SampleIdentity {
  matricule: string;
  cle: string;
  oid?: string;
  histo?: { matricule: string; cle: string; typeMatricule?: string; dateDeb?: string; dateFin?: string }[];
  nomNaissance: string;
  prenom?: string;
  listePrenom: string;
  sexe: 'M' | 'F';
  dateNaissance: string;
  lieuNaissance?: string;
}

export function cr00(identity: SampleIdentity): string {
  const oid = identity.oid ?? '1.2.250.1.213.1.4.8';
  const histo = (identity.histo ?? [])
    .map(
      (h) =>
        `<INSHISTO><IdIndividu><NumIdentifiant>${h.matricule}</NumIdentifiant><Cle>${h.cle}</Cle>${h.typeMatricule ? `<TypeMatricule>${h.typeMatricule}</TypeMatricule>` : ''}</IdIndividu><OID>${oid}</OID>` +
        `${h.dateDeb ? `<DateDeb>${h.dateDeb}</DateDeb>` : ''}${h.dateFin ? `<DateFin>${h.dateFin}</DateFin>` : ''}</INSHISTO>`,
    )
    .join('');
  return resultatEnvelope(
    '<CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR><INDIVIDU>' +
      `<INSACTIF><IdIndividu><NumIdentifiant>${identity.matricule}</NumIdentifiant><Cle>${identity.cle}</Cle></IdIndividu><OID>${oid}</OID></INSACTIF>` +
      histo +
      `<TIQ><NomNaissance>${identity.nomNaissance}</NomNaissance>${identity.prenom ? `<Prenom>${identity.prenom}</Prenom>` : ''}<ListePrenom>${identity.listePrenom}</ListePrenom>` +
      `<Sexe>${identity.sexe}</Sexe><DateNaissance>${identity.dateNaissance}</DateNaissance>${identity.lieuNaissance ? `<LieuNaissance>${identity.lieuNaissance}</LieuNaissance>` : ''}</TIQ>` +
      '</INDIVIDU>',
  );
}

export const cr01 = resultatEnvelope('<CR><CodeCR>01</CodeCR><LibelleCR>Aucune identite trouvee</LibelleCR></CR>');
export const cr02 = resultatEnvelope('<CR><CodeCR>02</CodeCR><LibelleCR>Plusieurs identites trouvees</LibelleCR></CR>');

/** CNDA 2.04: ECETINSI PIERRE-ALAIN, with two historical INS (dates of the notes). */
export const ecetinsiHistory = cr00({
  matricule: '1090763220834',
  cle: '89',
  histo: [
    { matricule: '2090763220834', cle: '39', typeMatricule: 'NIR', dateDeb: '2019-03-01', dateFin: '2019-02-28' },
    { matricule: '2090663220123', cle: '55', typeMatricule: 'NIR' },
  ],
  nomNaissance: 'ECETINSI',
  listePrenom: 'PIERRE-ALAIN MURIEL FLORIANT',
  sexe: 'M',
  dateNaissance: '2009-07-14',
  lieuNaissance: '63220',
});

/** TCHITCHI CATARINA (answer to the second attempt of the strategy). */
export const catarina = cr00({
  matricule: '2360663220836',
  cle: '56',
  nomNaissance: 'TCHITCHI',
  prenom: 'CATARINA',
  listePrenom: 'CATARINA BELLA',
  sexe: 'F',
  dateNaissance: '1936-06-21',
  lieuNaissance: '63220',
});

export interface SampleFault {
  code: 'Sender' | 'Receiver';
  subcode: string;
  reason: string;
  lang?: string;
  erreur: { code: string; severite: string; messageId?: string; text: string };
  /** Envelope prefix, fault prefix (the service mixes `soap:`, `env:` and `S:`). */
  prefixes?: [string, string];
}

export function faultEnvelope(fault: SampleFault): string {
  const [e, f] = fault.prefixes ?? ['env', 'soap'];
  const ns = 'http://www.w3.org/2003/05/soap-envelope';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${ns}"><${e}:Body xmlns:${e}="${ns}"><${f}:Fault xmlns:${f}="${ns}">` +
    `<${f}:Code><${f}:Value>${f}:${fault.code}</${f}:Value><${f}:Subcode><${f}:Value>${f}:${fault.subcode}</${f}:Value></${f}:Subcode></${f}:Code>` +
    `<${f}:Reason><${f}:Text xml:lang="${fault.lang ?? 'fr'}">${fault.reason}</${f}:Text></${f}:Reason>` +
    `<${f}:Detail><siram:Erreur code="${fault.erreur.code}"${fault.erreur.messageId ? ` messageID="${fault.erreur.messageId}"` : ''} severite="${fault.erreur.severite}" xmlns:siram="urn:siram">${fault.erreur.text}</siram:Erreur></${f}:Detail>` +
    `</${f}:Fault></${e}:Body></soap:Envelope>`
  );
}

/** Unknown IDAM (notes §2.3: Sender / siram_100 / desir_550, HTTP 500). */
export const faultDesir550: SampleFault = {
  code: 'Sender',
  subcode: 'siram_100',
  reason:
    'L&apos;accès par ce progiciel au service n&apos;est pas autorisé. Contactez l&apos;éditeur du progiciel ou votre responsable informatique.',
  erreur: {
    code: 'desir_550',
    severite: 'erreur',
    messageId: 'uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f',
    text: 'Numéro d&apos;autorisation du logiciel inconnu.',
  },
};

/** Technical error of the traits lookup (notes §2.3: Receiver / siram_40 / insi_102, severity `fatal`). */
export const faultInsi102: SampleFault = {
  code: 'Receiver',
  subcode: 'siram_40',
  lang: 'en',
  reason: 'Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement.',
  erreur: {
    code: 'insi_102',
    severite: 'fatal',
    text: 'L&apos;appel au service de recherche avec les traits d&apos;identité renvoie une erreur technique.',
  },
  prefixes: ['env', 'S'],
};

/** Client certificate whose CN is not INSI-AUTO / INSI-MANU (notes §2.3: DESIR_560; the subcode is not documented, siram_100 assumed). */
export const faultDesir560: SampleFault = {
  code: 'Sender',
  subcode: 'siram_100',
  reason: 'Vous ne disposez pas des droits suffisants',
  erreur: { code: 'DESIR_560', severite: 'erreur', text: 'Vous ne disposez pas des droits suffisants' },
};

/** CNDA 2.08 cas 2: HERMANN GATIEN with the keys CNAM returns (60 and 10, where the matricules compute to 76 and 26). */
export const hermannInconsistentKeys = cr00({
  matricule: '1810363220456',
  cle: '60',
  histo: [
    { matricule: '1810363220456', cle: '60' },
    { matricule: '2810363220456', cle: '10' },
  ],
  nomNaissance: 'HERMANN',
  prenom: 'GATIEN',
  listePrenom: 'GATIEN',
  sexe: 'M',
  dateNaissance: '1981-03-24',
  lieuNaissance: '63220',
});
