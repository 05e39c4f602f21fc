/** Bench data: a deterministic fictitious population written straight into the encrypted store. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../electron/platform/store/database.js';
import { reindex } from '../../electron/patients/search.js';
import { FAMILY_NAMES } from '../../sandboxes/insi/population.js';

/** The first 50 family names of the INSi sandbox population. */
const surnames = FAMILY_NAMES.slice(0, 50);
const firstNames = [
  'MARIE',
  'JEAN',
  'PIERRE',
  'MICHEL',
  'ANDRE',
  'PHILIPPE',
  'NATHALIE',
  'ISABELLE',
  'SYLVIE',
  'CATHERINE',
  'FRANCOISE',
  'ALAIN',
  'JACQUES',
  'BERNARD',
  'CHRISTINE',
  'MONIQUE',
  'NICOLE',
  'PATRICK',
  'DANIEL',
  'ELODIE',
  'LEA',
  'LUCAS',
  'HUGO',
  'CHLOE',
  'EMMA',
];

/** A small deterministic generator (mulberry32), so that every run benches the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedPatients(db: Db, count: number): void {
  const next = random(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const insert = db.prepare(
    `INSERT INTO patients (uid, birth_name, first_name, first_names, used_name, sex, birth_date, birthplace, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, NULL, ?, ?, '75056', 'PROV', ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const first = pick(firstNames);
      const row = {
        birth_name: `${pick(surnames)}${next() < 0.3 ? `-${pick(surnames)}` : ''}`,
        used_name: null,
        first_names: `${first} ${pick(firstNames)}`,
        birth_date: `${1930 + Math.floor(next() * 90)}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`,
        ins_matricule: null,
        ins_cle: null,
      };
      const now = new Date().toISOString();
      const { lastInsertRowid } = insert.run(
        randomUUID(),
        row.birth_name,
        first,
        row.first_names,
        next() < 0.5 ? 'F' : 'M',
        row.birth_date,
        now,
        now,
      );
      reindex(db, Number(lastInsertRowid), row);
    }
  }).immediate();
}
