/**
 * Patient search: the FTS5 index over names (birth, used, first names), the
 * birth date (as year, month and day tokens, so « 12/03/1958 », « 1958-03-12 »
 * and « 1958 » all match) and the INS. Accent- and case-insensitive, prefix
 * matching on every word typed.
 */
import type { Db } from '../platform/store/database.js';

const MAX_TERMS = 8;

/** The text indexed for one patient. */
export function indexText(p: {
  birth_name: string;
  used_name: string | null;
  first_names: string;
  birth_date: string;
  ins_matricule: string | null;
  ins_cle: string | null;
}) {
  const [year, month, day] = p.birth_date.split('-');
  return {
    names: [p.birth_name, p.used_name ?? '', p.first_names].join(' ').replace(/[-'’]/g, ' '),
    birth: [year, month, day, `${day}${month}${year}`].join(' '),
    ins: p.ins_matricule ? `${p.ins_matricule} ${p.ins_matricule}${p.ins_cle ?? ''}` : '',
  };
}

/** Turns what the user typed into an FTS5 query: every word as a quoted prefix, all required. */
export function ftsQuery(input: string): string | null {
  const normalised = input
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/(\d{1,2})[/.](\d{1,2})[/.](\d{4})/g, '$1 $2 $3')
    .replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, '$1 $2 $3')
    .toLowerCase();
  const terms = normalised
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((t) => (/^\d$/.test(t) ? `0${t}` : t))
    .slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replace(/"/g, '')}"*`).join(' ');
}

export function reindex(db: Db, id: number, row: Parameters<typeof indexText>[0]): void {
  const text = indexText(row);
  db.prepare('DELETE FROM patients_fts WHERE rowid = ?').run(id);
  db.prepare('INSERT INTO patients_fts (rowid, names, birth, ins) VALUES (?, ?, ?, ?)').run(id, text.names, text.birth, text.ins);
}

/** Ids of matching patients, best first (bm25), bounded. */
export function searchIds(db: Db, input: string, limit = 50): number[] {
  const query = ftsQuery(input);
  if (!query) return [];
  return (
    db.prepare('SELECT rowid AS id FROM patients_fts WHERE patients_fts MATCH ? ORDER BY rank LIMIT ?').all(query, limit) as {
      id: number;
    }[]
  ).map((r) => r.id);
}
