import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../../test/support/store.js';
import { catarina, hermannInconsistentKeys, testSoftware } from '../../test/support/insi-samples.js';
import { InsiClient } from '../ins/client/client.js';
import { toOutcome } from '../ins/lookup.js';
import { AuditLog } from '../platform/audit/audit-log.js';
import { practiceClock, type PracticeZone } from '../../shared/domain/civil-date.js';
import { PatientService, type InsiLookup } from './service.js';

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

function setup(clock = practiceClock()) {
  const store = freshStore();
  stores.push(store);
  const audit = new AuditLog(store.db);
  const noInsi = () => {
    throw new Error('INSi is not used here');
  };
  return { audit, patients: new PatientService(store.db, audit, 'sandbox', noInsi, undefined, clock) };
}

/** The real INSi client (parser and key check included) over a transport that answers `body`. */
function insiAnswering(body: string): InsiLookup {
  const client = new InsiClient({
    url: 'https://insi.invalid/lps',
    credentials: { kind: 'certificat', tls: { kind: 'pem', keyPem: '', certPem: '', chainPem: [] }, emitter: 'TEST-STRUCTURE' },
    software: testSoftware,
    transport: { request: async () => ({ status: 200, headers: {}, body: Buffer.from(body) }), close: () => undefined },
  });
  return {
    byTraits: async (traits) =>
      toOutcome(
        await client.rechercherParTraits({
          nomNaissance: traits.nomNaissance,
          prenoms: traits.listePrenoms,
          sexe: traits.sexe,
          dateNaissance: traits.dateNaissance,
        }),
      ),
    byVitale: () => Promise.reject(new Error('not used')),
  };
}

function setupWithInsi(body: string) {
  const store = freshStore();
  stores.push(store);
  const audit = new AuditLog(store.db);
  return { store, audit, patients: new PatientService(store.db, audit, 'sandbox', () => insiAnswering(body)) };
}

// 23:30 UTC on 7 December: the practice in Paris is already on 8 December.
const lateUtc = new Date('2026-12-07T23:30:00Z');
const frozen = (zone: PracticeZone) => practiceClock(zone, () => lateUtc);

describe('patient service: dates are the practice’s dates', () => {
  it('at 23:30 UTC, accepts a document checked today in Paris and refuses tomorrow', () => {
    const { patients } = setup(frozen('Europe/Paris'));
    const created = patients.create({ birthName: 'Durand', firstNames: 'Élodie', sex: 'F', birthDate: '1958-03-12' }, 'praticien');
    expect(() => patients.recordDocument(created.uid, 'CNI', '2026-12-09', 'praticien')).toThrow(
      'La date du contrôle ne peut pas être dans le futur.',
    );
    const checked = patients.recordDocument(created.uid, 'CNI', '2026-12-08', 'praticien');
    expect(checked.status).toBe('VALI');
    expect(checked.document).toMatchObject({ date: '2026-12-08' });
  });

  it('overseas, today is the territory’s: 7 December in Martinique at the same instant', () => {
    const { patients } = setup(frozen('America/Martinique'));
    const created = patients.create({ birthName: 'Durand', firstNames: 'Élodie', sex: 'F', birthDate: '1958-03-12' }, 'praticien');
    expect(() => patients.recordDocument(created.uid, 'CNI', '2026-12-08', 'praticien')).toThrow(/dans le futur/);
    expect(patients.recordDocument(created.uid, 'CNI', '2026-12-07', 'praticien').status).toBe('VALI');
  });

  it('refuses a date that does not exist, and a birth date after the practice’s today', () => {
    const { patients } = setup(frozen('Europe/Paris'));
    const created = patients.create({ birthName: 'Durand', firstNames: 'Élodie', sex: 'F', birthDate: '1958-03-12' }, 'praticien');
    expect(() => patients.recordDocument(created.uid, 'CNI', '2026-02-30', 'praticien')).toThrow(/date réelle/);
    // A newborn of the practice's day (already 8 December in Paris) is accepted; the next day is not.
    expect(patients.create({ birthName: 'Durand', firstNames: 'Léa', sex: 'F', birthDate: '2026-12-08' }, 'praticien').birthDate).toBe(
      '2026-12-08',
    );
    expect(() => patients.create({ birthName: 'Durand', firstNames: 'Zoé', sex: 'F', birthDate: '2026-12-09' }, 'praticien')).toThrow();
  });
});

describe('patient service', () => {
  it('audits search-as-you-type once per window, not once per keystroke, and never the query text', () => {
    const { audit, patients } = setup();
    patients.create({ birthName: 'Durand', firstNames: 'Élodie', sex: 'F', birthDate: '1958-03-12' }, 'praticien');
    for (const q of ['d', 'du', 'dur', 'dura', 'durand']) patients.search(q, 50, 'praticien');
    const searches = audit.list(50).entries.filter((e) => e.action === 'patient.search');
    expect(searches).toHaveLength(1);
    expect(JSON.stringify(searches)).not.toMatch(/dur/i);
  });

  it('searches ahead of the next key exactly what the search of that key finds, audited as one search', () => {
    const { audit, patients } = setup();
    const people: [string, string, string][] = [
      ['Durand', 'Élodie', '1958-03-12'],
      ['Dupont', 'Marc', '1971-11-02'],
      ['Dupuis', 'Anne', '1990-01-30'],
      ['Martin', 'Paul', '1958-07-14'],
    ];
    for (const [birthName, firstNames, birthDate] of people) {
      patients.create({ birthName, firstNames, sex: 'F', birthDate }, 'praticien');
    }
    const ahead = patients.searchAhead('DÛ', 50, 2, 'praticien');
    expect(ahead.query).toBe('du');
    expect(ahead.next.map((n) => n.term).slice(0, 3)).toEqual(['dua', 'dub', 'duc']);
    for (const { term, count, patients: first } of ahead.next) {
      const full = patients.search(term, 50, 'praticien');
      expect(count, term).toBe(full.length);
      expect(first, term).toEqual(full.slice(0, 2));
    }
    expect(ahead.next.find((n) => n.term === 'dup')).toMatchObject({ count: 2 });
    expect(ahead.next.find((n) => n.term === 'dur')?.patients.map((p) => p.birthName)).toEqual(['DURAND']);
    expect(audit.list(50).entries.filter((e) => e.action === 'patient.search')).toHaveLength(1);
  });

  it('creates a provisional identity from normalised traits and refuses bad ones field by field', () => {
    const { patients } = setup();
    expect(
      patients.create({ birthName: 'd’Alembert-Hélène', firstNames: 'Zoé', sex: 'F', birthDate: '1960-00-00' }, 'praticien'),
    ).toMatchObject({ status: 'PROV', birthName: "D'ALEMBERT-HELENE", firstNames: 'ZOE', ins: null, insLocal: null });
    expect(() => patients.create({ birthName: 'X1', firstNames: 'Jean', sex: 'M', birthDate: '1990-13-01' }, 'praticien')).toThrow(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        details: {
          errors: expect.arrayContaining([
            expect.objectContaining({ field: 'birthName' }),
            expect.objectContaining({ field: 'birthDate' }),
          ]),
        },
      }),
    );
    expect(() => patients.shareableIns('00000000-0000-0000-0000-000000000000')).toThrow(/n’existe pas/);
  });

  it('remembers the médecin traitant (a professional MSSanté mailbox only), forgets it, audits it, and leaves the identity alone', () => {
    const { audit, patients } = setup();
    const created = patients.create({ birthName: 'Durand', firstNames: 'Élodie', sex: 'F', birthDate: '1958-03-12' }, 'praticien');
    expect(created.medecinTraitant).toBeNull();
    const set = patients.setMedecinTraitant(
      created.uid,
      { address: 'Paul.Durand@Cabinet.Test-MSSante.fr', displayName: ' Dr Paul DURAND\u0007 ' },
      'praticien',
    );
    expect(set.medecinTraitant).toEqual({ address: 'Paul.Durand@cabinet.test-mssante.fr', displayName: 'Dr Paul DURAND' });
    expect(patients.get(created.uid, 'praticien').medecinTraitant).toEqual(set.medecinTraitant);
    expect(set.status).toBe('PROV');
    expect(set.history).toHaveLength(1); // no identity history line
    // A patient's own mailbox, an ordinary e-mail address or garbage: refused in French, nothing changed.
    for (const address of ['255087512345645@patient.mssante.fr', 'paul.durand@gmail.com', 'pas une adresse']) {
      expect(() => patients.setMedecinTraitant(created.uid, { address, displayName: 'X' }, 'praticien')).toThrow(
        expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('MSSanté') }),
      );
    }
    expect(patients.get(created.uid, 'praticien').medecinTraitant?.address).toBe('Paul.Durand@cabinet.test-mssante.fr');
    expect(patients.setMedecinTraitant(created.uid, null, 'praticien').medecinTraitant).toBeNull();
    expect(
      audit
        .list(50)
        .entries.filter((e) => e.action === 'patient.medecin_traitant')
        .map((e) => e.details),
    ).toEqual([{ renseigne: false }, { renseigne: true }]);
    expect(() => patients.setMedecinTraitant('00000000-0000-0000-0000-000000000000', null, 'praticien')).toThrow(/n’existe pas/);
  });

  it('an INSi answer with an inconsistent INS key (CNDA 2.08 cas 2) is refused: nothing stored, nothing to accept, the refusal audited', async () => {
    const { store, audit, patients } = setupWithInsi(hermannInconsistentKeys);
    const hermann = { birthName: 'Hermann', firstNames: 'Gatien', sex: 'M', birthDate: '1981-03-24' } as const;
    const provisional = patients.create(hermann, 'praticien');
    for (const uid of [undefined, provisional.uid]) {
      await expect(patients.lookupTraits(hermann, uid, 'praticien')).rejects.toMatchObject({
        code: 'CHECK_FAILED',
        message: expect.stringMatching(/^INS refusé : INSi a renvoyé une clé qui ne correspond pas au matricule.*identité provisoire/),
        details: expect.objectContaining({ reason: 'cle_ins_incoherente' }),
      });
    }
    // The identity stays as it was, without INS; no patient carries the INS; the refusals are in the audit log.
    expect(patients.get(provisional.uid, 'praticien')).toMatchObject({ status: 'PROV', ins: null, insLocal: null });
    expect(store.db.prepare('SELECT count(*) AS n FROM patients WHERE ins_matricule IS NOT NULL').get()).toEqual({ n: 0 });
    expect(() => patients.shareableIns(provisional.uid)).toThrow();
    const lookups = audit.list(50).entries.filter((e) => e.action === 'ins.lookup');
    expect(lookups.map((e) => e.details)).toEqual([
      { mode: 'traits', refus: 'cle_ins_incoherente' },
      { mode: 'traits', refus: 'cle_ins_incoherente' },
    ]);
    expect(JSON.stringify(audit.list(50).entries)).not.toContain('1810363220456');
  });

  it('the same path with consistent keys keeps the result to accept (the control of the test above)', async () => {
    const { patients } = setupWithInsi(catarina);
    const result = await patients.lookupTraits(
      { birthName: 'Tchitchi', firstNames: 'Catarina', sex: 'F', birthDate: '1936-06-21' },
      undefined,
      'praticien',
    );
    expect(result).toMatchObject({ cr: '00' });
  });
});
