/**
 * DMP DocumentEntries like the registry's, for the cache tests
 * (`electron/dmp/cache.test.ts`, `cache-writer.test.ts`): entry `i` has a
 * stable uuid, uniqueId and logicalId, a date 0.3 day older per step, every
 * third one a « Note de suivi », every tenth masked from professionals, every
 * 25th invisible to the patient, authors alternating between two doctors.
 */
import type { DmpDocumentEntry } from '../../electron/dmp/client/api.js';

export function dmpEntry(i: number, overrides: Partial<DmpDocumentEntry> = {}): DmpDocumentEntry {
  const day = new Date(Date.UTC(2026, 0, 1) - i * 86_400_000 * 0.3).toISOString();
  return {
    entryUuid: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    uniqueId: `2.25.${1000 + i}`,
    repositoryUniqueId: '1.2.250.1.213.1.1.1.1',
    status: 'Approved',
    title: `Document ${i}`,
    type:
      i % 3 === 0
        ? { code: '11506-3', scheme: '2.16.840.1.113883.6.1', display: 'Note de suivi' }
        : { code: '11488-4', scheme: '2.16.840.1.113883.6.1', display: 'Compte rendu de consultation' },
    class: null,
    format: null,
    confidentiality: [{ code: 'N', scheme: '2.16.840.1.113883.5.25', display: 'Normal' }],
    visibility: { masquePs: i % 10 === 0, invisiblePatient: i % 25 === 0, invisibleRepresentants: false },
    mimeType: 'text/xml',
    creationTime: day,
    serviceStart: day,
    serviceStop: null,
    submissionTime: day,
    authors: [
      i % 2
        ? { name: 'Dr Marie MARTIN', idNat: '899701000012', specialty: 'G15_10/SM26', institution: null }
        : { name: 'Dr Jean DURAND', idNat: '810000000099', specialty: null, institution: null },
    ],
    size: 1000 + i,
    hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    logicalId: `urn:uuid:10000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    version: '1',
    replaces: null,
    ...overrides,
  };
}
