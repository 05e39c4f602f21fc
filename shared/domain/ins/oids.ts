/**
 * The assigning authority of an INS matricule, as an OID (notes ins-cps.md
 * §1.1, FR Core `FRCorePatientINSProfile`). Test and demonstration OIDs never
 * belong in production.
 */
import { CabinetError } from '../../contract/outcome.js';
import { environmentLabels, type CabinetEnvironment } from '../services.js';

export const INS_OIDS = {
  nir: '1.2.250.1.213.1.4.8',
  nia: '1.2.250.1.213.1.4.9',
  test: '1.2.250.1.213.1.4.10',
  demo: '1.2.250.1.213.1.4.11',
} as const;
export type InsOidKind = keyof typeof INS_OIDS;
export type InsOid = (typeof INS_OIDS)[InsOidKind];

export const insOidKinds = ['nir', 'nia', 'test', 'demo'] as const satisfies readonly InsOidKind[];
export const insOids: readonly InsOid[] = insOidKinds.map((kind) => INS_OIDS[kind]);

export interface InsOidInfo {
  kind: InsOidKind;
  /** French label, for screens and the CLI. */
  label: string;
  /** FR Core `identifier.type` code and `identifier.use`. */
  fhirType: 'INS-NIR' | 'INS-NIA' | 'INS-NIR-TEST' | 'INS-NIR-DEMO';
  fhirUse: 'official' | 'temp';
  /** Test and demonstration identities: refused in production. */
  fictitious: boolean;
}

export const insOidInfo: Record<InsOid, InsOidInfo> = {
  '1.2.250.1.213.1.4.8': {
    kind: 'nir',
    label: 'INS-NIR (numéro d’inscription au répertoire)',
    fhirType: 'INS-NIR',
    fhirUse: 'official',
    fictitious: false,
  },
  '1.2.250.1.213.1.4.9': {
    kind: 'nia',
    label: 'INS-NIA (numéro identifiant d’attente)',
    fhirType: 'INS-NIA',
    fhirUse: 'temp',
    fictitious: false,
  },
  '1.2.250.1.213.1.4.10': {
    kind: 'test',
    label: 'INS-NIR de test (patient fictif)',
    fhirType: 'INS-NIR-TEST',
    fhirUse: 'official',
    fictitious: true,
  },
  '1.2.250.1.213.1.4.11': {
    kind: 'demo',
    label: 'INS-NIR de démonstration',
    fhirType: 'INS-NIR-DEMO',
    fhirUse: 'official',
    fictitious: true,
  },
};

export const insOidLabels: Record<InsOid, string> = Object.fromEntries(insOids.map((oid) => [oid, insOidInfo[oid].label])) as Record<
  InsOid,
  string
>;

export function isInsOid(oid: string): oid is InsOid {
  return Object.hasOwn(insOidInfo, oid);
}

/** French label of an OID; unknown OIDs are shown as they are. */
export function insOidLabel(oid: string): string {
  return isInsOid(oid) ? insOidInfo[oid].label : `OID inconnu ${oid}`;
}

/**
 * Whether an INS with this OID may be used in this environment: the four INS
 * OIDs in the sandbox and in qualification (whose INSi returns `.8` for its
 * fictitious people, notes §1.1), only NIR and NIA in production. Unknown
 * OIDs: never.
 */
export function isInsOidAllowed(oid: string, env: CabinetEnvironment): boolean {
  if (!isInsOid(oid)) return false;
  return env !== 'production' || !insOidInfo[oid].fictitious;
}

/** Throws INVALID_REQUEST with a French message when {@link isInsOidAllowed} says no. */
export function assertInsOidAllowed(oid: string, env: CabinetEnvironment): asserts oid is InsOid {
  if (!isInsOid(oid)) {
    throw new CabinetError('INVALID_REQUEST', `OID de l’INS inconnu : ${oid}. Attendu : ${insOids.join(', ')}.`, { field: 'oid', oid });
  }
  if (!isInsOidAllowed(oid, env)) {
    const kind = insOidInfo[oid].kind === 'test' ? 'de test' : 'de démonstration';
    throw new CabinetError(
      'INVALID_REQUEST',
      `Un INS ${kind} (OID ${oid}) ne peut pas être utilisé en ${environmentLabels[env].toLowerCase()} : il désigne un patient fictif.`,
      { field: 'oid', oid, env },
    );
  }
}
