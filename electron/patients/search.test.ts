import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../../test/support/store.js';
import { ftsQuery, reindex, searchIds } from './search.js';

const stores: ReturnType<typeof freshStore>[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

function seed() {
  const store = freshStore();
  stores.push(store);
  const insert = store.db.prepare(
    `INSERT INTO patients (uid, birth_name, first_name, first_names, used_name, sex, birth_date, birthplace, ins_matricule, ins_cle, ins_oid, status, created_at, updated_at)
     VALUES (@uid, @birth_name, @first_name, @first_names, @used_name, @sex, @birth_date, NULL, @ins_matricule, @ins_cle, @ins_oid, 'PROV', 'now', 'now')`,
  );
  const people = [
    {
      uid: 'a',
      birth_name: 'HÉLÈNE-DUPRÉ',
      first_name: 'ÉLODIE',
      first_names: 'ÉLODIE MARIE',
      used_name: null,
      sex: 'F',
      birth_date: '1958-03-12',
      ins_matricule: '258037512345',
      ins_cle: null,
      ins_oid: null,
    },
    {
      uid: 'b',
      birth_name: 'MARTIN',
      first_name: 'PAUL',
      first_names: 'PAUL',
      used_name: null,
      sex: 'M',
      birth_date: '1990-01-05',
      ins_matricule: '1900175123456',
      ins_cle: '42',
      ins_oid: '1.2.250.1.213.1.4.10',
    },
    {
      uid: 'c',
      birth_name: 'MARTINEZ',
      first_name: 'ANA',
      first_names: 'ANA',
      used_name: 'DURAND',
      sex: 'F',
      birth_date: '1958-00-00',
      ins_matricule: null,
      ins_cle: null,
      ins_oid: null,
    },
  ].map((p) => ({ ...p, ins_matricule: p.ins_cle ? p.ins_matricule : null }));
  for (const p of people) {
    const { lastInsertRowid } = insert.run(p);
    reindex(store.db, Number(lastInsertRowid), p);
  }
  const uids = (q: string) =>
    searchIds(store.db, q)
      .map((id) => (store.db.prepare('SELECT uid FROM patients WHERE id = ?').get(id) as { uid: string }).uid)
      .sort();
  return { store, uids };
}

describe('patient search', () => {
  it('ignores accents and case, matches prefixes of every word', () => {
    const { uids } = seed();
    expect(uids('helene')).toEqual(['a']);
    expect(uids('Dupre elo')).toEqual(['a']);
    expect(uids('mart')).toEqual(['b', 'c']);
    expect(uids('martin paul')).toEqual(['b']);
    expect(uids('durand')).toEqual(['c']);
  });

  it('finds by birth date in French or ISO form, and by INS', () => {
    const { uids } = seed();
    expect(uids('12/03/1958')).toEqual(['a']);
    expect(uids('1958-03-12')).toEqual(['a']);
    expect(uids('1958')).toEqual(['a', 'c']);
    expect(uids('5/1/1990')).toEqual(['b']);
    expect(uids('19001751')).toEqual(['b']);
    expect(uids('190017512345642')).toEqual(['b']);
  });

  it('treats FTS syntax as plain text', () => {
    const { uids } = seed();
    expect(ftsQuery('   ')).toBeNull();
    expect(ftsQuery('"martin" OR NEAR(x')).toBe('"martin"* "or"* "near"* "x"*');
    expect(uids('martin OR paul')).toEqual([]);
    expect(uids('*')).toEqual([]);
  });

  it('keeps the index in step when a patient changes', () => {
    const { store, uids } = seed();
    const id = (store.db.prepare("SELECT id FROM patients WHERE uid = 'b'").get() as { id: number }).id;
    store.db.prepare("UPDATE patients SET birth_name = 'BERNARD' WHERE id = ?").run(id);
    reindex(store.db, id, {
      birth_name: 'BERNARD',
      used_name: null,
      first_names: 'PAUL',
      birth_date: '1990-01-05',
      ins_matricule: null,
      ins_cle: null,
    });
    expect(uids('martin')).toEqual(['c']);
    expect(uids('bernard')).toEqual(['b']);
  });
});
