/**
 * The patient's DMP documents, newest first, with the filters a GP uses
 * (type, dates, author, visibility). The list stays a plain table of the
 * 50 newest (then 50 more on demand): 50 rows render in a few milliseconds,
 * so no virtualisation is needed and the keyboard and screen readers see
 * every row.
 */
import { memo, useId } from 'react';
import { Icon } from '../../components/Icon.js';
import { formatInstantIn, formatInteger } from '../../format.js';
import type { DmpEntry } from './dmp-api.js';
import {
  authorsLine,
  availabilityLabels,
  documentDate,
  documentTypes,
  typeLabel,
  visibilityChips,
  visibilityFilterLabels,
  type VisibilityFilter,
} from './dmp-labels.js';

export interface ListFilter {
  type: string;
  from: string;
  to: string;
  author: string;
  visibility: VisibilityFilter;
}

export const emptyFilter: ListFilter = { type: '', from: '', to: '', author: '', visibility: 'toutes' };

export function isFiltered(filter: ListFilter): boolean {
  return filter.type !== '' || filter.from !== '' || filter.to !== '' || filter.author.trim() !== '' || filter.visibility !== 'toutes';
}

export function DmpFilters({
  filter,
  onChange,
  disabled,
}: {
  filter: ListFilter;
  onChange: (filter: ListFilter) => void;
  disabled: boolean;
}) {
  const id = useId();
  const set = <K extends keyof ListFilter>(key: K, value: ListFilter[K]) => onChange({ ...filter, [key]: value });
  return (
    <fieldset className="dmp-filters" disabled={disabled}>
      <legend className="dmp-filters__legend">Filtrer les documents</legend>
      <div className="dmp-filters__fields">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-type`}>
            Type
          </label>
          <select id={`${id}-type`} className="input input--select" value={filter.type} onChange={(e) => set('type', e.target.value)}>
            <option value="">Tous les types</option>
            {documentTypes.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-du`}>
            Du
          </label>
          <input
            id={`${id}-du`}
            type="date"
            className="input input--date"
            value={filter.from}
            max={filter.to || undefined}
            onChange={(e) => set('from', e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-au`}>
            Au
          </label>
          <input
            id={`${id}-au`}
            type="date"
            className="input input--date"
            value={filter.to}
            min={filter.from || undefined}
            onChange={(e) => set('to', e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-auteur`}>
            Auteur
          </label>
          <input
            id={`${id}-auteur`}
            type="search"
            className="input dmp-filters__author"
            placeholder="Nom ou RPPS"
            maxLength={100}
            value={filter.author}
            onChange={(e) => set('author', e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-visibilite`}>
            Visibilité
          </label>
          <select
            id={`${id}-visibilite`}
            className="input input--select dmp-filters__visibility"
            value={filter.visibility}
            onChange={(e) => set('visibility', e.target.value as VisibilityFilter)}
          >
            {Object.entries(visibilityFilterLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {isFiltered(filter) ? (
          <button type="button" className="button button--quiet button--small dmp-filters__clear" onClick={() => onChange(emptyFilter)}>
            <Icon name="effacer" />
            Effacer les filtres
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}

/** The document's day on the practice's calendar. */
function day(iso: string | null): string {
  return formatInstantIn(iso, 'date');
}

const Row = memo(function Row({
  entry,
  onOpen,
  onManage,
}: {
  entry: DmpEntry;
  onOpen: (entry: DmpEntry) => void;
  onManage: (entry: DmpEntry) => void;
}) {
  const chips = visibilityChips(entry.visibility);
  const date = documentDate(entry);
  return (
    <tr className={entry.status !== 'Approved' ? 'dmp-row--inactive' : undefined}>
      <td className="col-date">
        <time dateTime={date ?? undefined}>{day(date)}</time>
      </td>
      <th scope="row" className="dmp-row__title">
        <button type="button" className="dmp-row__open" onClick={() => onOpen(entry)}>
          {entry.title || typeLabel(entry.type.code, entry.type.display)}
        </button>
        <span className="dmp-row__type">{typeLabel(entry.type.code, entry.type.display)}</span>
      </th>
      <td>
        {authorsLine(entry.authors)}
        {entry.own ? (
          <span className="dmp-row__own">
            <span className="badge">Vous êtes l’auteur</span>
          </span>
        ) : null}
      </td>
      <td>
        <span className="dmp-chips">
          {entry.status !== 'Approved' ? <span className="badge badge--warning">{availabilityLabels[entry.status]}</span> : null}
          {chips.length === 0 ? (
            <span className="muted">Visible par tous</span>
          ) : (
            chips.map((chip) => (
              <span key={chip} className="badge badge--info">
                {chip}
              </span>
            ))
          )}
        </span>
      </td>
      <td className="col-nowrap dmp-row__actions">
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => onOpen(entry)}
          aria-label={`Ouvrir « ${entry.title} »`}
        >
          Ouvrir
        </button>
        {entry.own && entry.status !== 'Deleted' && entry.status !== 'Deprecated' ? (
          <button
            type="button"
            className="button button--quiet button--small"
            onClick={() => onManage(entry)}
            aria-label={`Gérer « ${entry.title} »`}
          >
            <Icon name="modifier" />
            Gérer
          </button>
        ) : null}
      </td>
    </tr>
  );
});

export function DmpDocumentTable({
  entries,
  total,
  filtered,
  onOpen,
  onManage,
  onMore,
  loadingMore,
}: {
  entries: DmpEntry[];
  total: number;
  filtered: boolean;
  onOpen: (entry: DmpEntry) => void;
  onManage: (entry: DmpEntry) => void;
  onMore: () => void;
  loadingMore: boolean;
}) {
  return (
    <>
      <div className="table-wrap">
        <table className="data-table dmp-table">
          <caption className="visually-hidden">Documents du DMP, du plus récent au plus ancien</caption>
          <thead>
            <tr>
              <th scope="col" className="col-date">
                Date
              </th>
              <th scope="col">Document</th>
              <th scope="col">Auteur</th>
              <th scope="col">Visibilité</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <Row key={entry.entryUuid} entry={entry} onOpen={onOpen} onManage={onManage} />
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-footer dmp-table__footer">
        <p className="muted" role="status">
          {formatInteger(entries.length)} document{entries.length > 1 ? 's' : ''} affiché{entries.length > 1 ? 's' : ''} sur{' '}
          {formatInteger(total)}
          {filtered ? ' (filtrés)' : ''}
        </p>
        {entries.length < total ? (
          <button type="button" className="button button--secondary" onClick={onMore} disabled={loadingMore}>
            {loadingMore ? 'Chargement…' : `Afficher ${Math.min(50, total - entries.length)} de plus`}
          </button>
        ) : null}
      </div>
    </>
  );
}
