/**
 * A date in a table cell, full date in the tooltip. `stacked`: day on one
 * line, time on the next (for narrow columns).
 */
import { formatDateParts, formatDateTime, formatDateTimeLong } from '../format.js';

export function DateTime({ iso, stacked = false }: { iso: string | null | undefined; stacked?: boolean }) {
  const parts = formatDateParts(iso);
  if (!iso || !parts) return <>—</>;
  if (!stacked) {
    return (
      <time dateTime={iso} title={formatDateTimeLong(iso)}>
        {formatDateTime(iso)}
      </time>
    );
  }
  return (
    <time className="date-cell" dateTime={iso} title={formatDateTimeLong(iso)}>
      <span>{parts[0]}</span>
      <span>
        <span className="visually-hidden"> à </span>
        {parts[1]}
      </span>
    </time>
  );
}
