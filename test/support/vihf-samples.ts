/** Sample VIHF inputs for tests: the PSC test physician of the ANS samples (notes ins-cps.md, test vectors). */
import type { VihfInput } from '../../electron/identity/vihf/vihf.js';
import type { SubjectAttribute } from './throwaway-ca.js';

export const doctorInput: VihfInput = {
  practitioner: {
    idNatPs: '899700366240',
    displayName: 'Dr Kit DOC0036624',
    professionCode: '10',
    professionLabel: 'Médecin',
    specialtyCode: 'SM26',
  },
  structureId: 'R95141',
  activitySector: 'SA07',
  authenticationMode: 'DIRECTE',
  software: { name: 'Cabinet', version: '0.1.0', id: 'cabinet-0.1.0', dmpApprovalId: 'CABINET-HOMOLOGATION-TEST' },
  // A test INS (OID .4.10), the one of the DRIMbox sample.
  patientIns: { value: '279035121518989', oid: '1.2.250.1.213.1.4.10' },
};

/** Subject of a CPS-like signature certificate (forge cannot write multi-valued RDNs; openssl can, see the DN test). */
export const cardSubject: SubjectAttribute[] = [
  { type: 'countryName', value: 'FR' },
  { type: 'title', value: 'Médecin' },
  { type: 'commonName', value: '899700366240' },
  { type: '2.5.4.42', value: 'KIT' },
  { type: 'surname', value: 'DOC0036624' },
];
