/** Former INS of a patient (INSi's INSHISTO), with their authority and dates. */
import { formatDay } from '../format.js';
import { formatIns, insOidLabel } from '../ins.js';

export interface InsHistoryEntry {
  matricule: string;
  cle: string;
  oid: string;
  dateDeb: string | null;
  dateFin: string | null;
}

export function InsHistoryList({ entries }: { entries: readonly InsHistoryEntry[] }) {
  return (
    <ul className="ins-history">
      {entries.map((entry) => (
        <li key={`${entry.matricule}-${entry.oid}-${entry.dateDeb ?? ''}`}>
          <span className="ins-number ins-number--small">{formatIns(entry)}</span>
          <span className="muted">
            {' '}
            — {insOidLabel(entry.oid)}
            {entry.dateDeb || entry.dateFin ? `, du ${formatDay(entry.dateDeb)} au ${formatDay(entry.dateFin)}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
