/**
 * The messages of a folder (or the results of a search), virtualised: only
 * the rows on screen are drawn, only the pages around them are asked of the
 * services, so a folder of 10,000 messages scrolls like one of 10.
 *
 * Keyboard: the list is one tab stop (a listbox with aria-activedescendant);
 * ↑ ↓, Page Up/Down, Home/End move, Enter (or Space) opens the message.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Failure } from '../../../shared/contract/index.js';
import { Icon } from '../../components/Icon.js';
import { LoadError } from '../../components/LoadError.js';
import { invoke } from '../../data/useChannel.js';
import { formatDateTime, formatDateTimeLong } from '../../format.js';
import { useCabinet } from '../../state/cabinet.js';
import { patientName } from '../../components/PatientName.js';
import { displayAddress, patientInsOf, shortList, type MailAddress } from './address.js';
import { usePatientByIns } from './usePatientByIns.js';
import type { MessageSummary } from './model.js';
import { displaySubject } from './threads.js';
import { nextIndex, PAGE_SIZE, PageCache, pagesForRange } from './windowing.js';

/** Row height in pixels (fixed in messagerie.css: `--mss-row-height`). */
export const ROW_HEIGHT = 72;

export interface ListSource {
  /** Folder id, or null for search results. */
  folderId: number | null;
  /** Search results (already loaded), when folderId is null. */
  results?: MessageSummary[];
  /** Changes when the folder's content changed (a sync): visible pages are fetched again. */
  version: number;
  /** Show recipients instead of senders (Envoyés). */
  outgoing: boolean;
  label: string;
}

export function MessageList({
  source,
  selectedId,
  onOpen,
  onCount,
}: {
  source: ListSource;
  selectedId: number | null;
  onOpen: (message: MessageSummary) => void;
  onCount?: (total: number, unread: number) => void;
}) {
  const { report } = useCabinet();
  const baseId = useId();
  const parentRef = useRef<HTMLDivElement>(null);
  const cacheRef = useRef(new PageCache<MessageSummary>(PAGE_SIZE));
  const [total, setTotal] = useState(source.results?.length ?? 0);
  const [loaded, setLoaded] = useState(source.results !== undefined);
  const [tick, setTick] = useState(0);
  const [active, setActive] = useState(-1);
  const [failure, setFailure] = useState<Failure | null>(null);
  const onCountRef = useRef(onCount);
  useLayoutEffect(() => {
    onCountRef.current = onCount;
  });

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  const fetchPage = useCallback(
    async (page: number, cache: PageCache<MessageSummary>) => {
      if (source.folderId === null) return;
      const generation = cache.generation;
      const outcome = await invoke('mss.list', { folderId: source.folderId, offset: page * cache.pageSize, limit: cache.pageSize });
      if (!outcome.ok) {
        cache.release(page);
        if (generation === cache.generation) {
          setFailure(outcome);
          report(outcome);
        }
        return;
      }
      if (cache.put(page, outcome.value.messages, generation)) {
        setTotal(outcome.value.total);
        setLoaded(true);
        setFailure(null);
        onCountRef.current?.(outcome.value.total, outcome.value.unread);
        setTick((n) => n + 1);
      }
    },
    [source.folderId, report],
  );

  // Another folder or search: start again from the top.
  useEffect(() => {
    const cache = cacheRef.current;
    cache.clear();
    setActive(-1);
    setFailure(null);
    if (source.results) {
      for (let p = 0; p * cache.pageSize < source.results.length; p++)
        cache.put(p, source.results.slice(p * cache.pageSize, (p + 1) * cache.pageSize));
      setTotal(source.results.length);
      setLoaded(true);
    } else {
      setLoaded(false);
      setTotal(0);
      cache.claim([0]);
      void fetchPage(0, cache);
    }
    virtualizer.scrollToOffset(0);
  }, [source.folderId, source.results, fetchPage, virtualizer]);

  // The folder changed on the server: the pages on screen are fetched again (the rows stay until then).
  const shownVersion = useRef(source.version);
  const onScreen = useRef({ first, last, total });
  useLayoutEffect(() => {
    onScreen.current = { first, last, total };
  });
  useEffect(() => {
    const folderId = source.folderId;
    if (shownVersion.current === source.version || folderId === null) return;
    shownVersion.current = source.version;
    const fresh = new PageCache<MessageSummary>(PAGE_SIZE);
    const old = cacheRef.current;
    const { first: top, last: bottom, total: count } = onScreen.current;
    const pages = pagesForRange(top, bottom, Math.max(count, 1), PAGE_SIZE, 0);
    const wanted = pages.length > 0 ? pages : [0];
    void (async () => {
      for (const page of wanted) {
        const outcome = await invoke('mss.list', { folderId, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
        if (!outcome.ok || cacheRef.current !== old) return;
        fresh.put(page, outcome.value.messages);
        setTotal(outcome.value.total);
        onCountRef.current?.(outcome.value.total, outcome.value.unread);
      }
      old.clear();
      for (const page of wanted) {
        const rows = fresh.row(page * PAGE_SIZE)
          ? [...Array(PAGE_SIZE).keys()].map((i) => fresh.row(page * PAGE_SIZE + i)).filter((r): r is MessageSummary => r !== undefined)
          : null;
        if (rows) old.put(page, rows);
      }
      setTick((n) => n + 1);
    })();
  }, [source.version, source.folderId]);

  // Pages needed by the rows on screen.
  useEffect(() => {
    if (source.folderId === null || total === 0) return;
    const cache = cacheRef.current;
    for (const page of pagesForRange(first, last, total, cache.pageSize)) cache.touch(page);
    for (const page of cache.claim(pagesForRange(first, last, total, cache.pageSize))) void fetchPage(page, cache);
    // `tick`: after a refresh dropped pages still in flight, ask again for what is on screen.
  }, [first, last, total, source.folderId, fetchPage, tick]);

  const rowId = (index: number) => `${baseId}-ligne-${index}`;
  const visibleRows = Math.max(1, Math.floor((parentRef.current?.clientHeight ?? ROW_HEIGHT * 8) / ROW_HEIGHT));

  const moveTo = (index: number) => {
    setActive(index);
    virtualizer.scrollToIndex(index, { align: 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      const row = active >= 0 ? cacheRef.current.row(active) : undefined;
      if (row) {
        event.preventDefault();
        onOpen(row);
      }
      return;
    }
    const next = nextIndex(event.key, active, total, visibleRows);
    if (next === null) return;
    event.preventDefault();
    moveTo(next);
  };

  // Keep the active row on the opened message when it is on screen.
  const selectedIndex = useMemo(() => {
    if (selectedId === null) return -1;
    for (const item of items) if (cacheRef.current.row(item.index)?.id === selectedId) return item.index;
    return -1;
  }, [selectedId, items]);

  if (failure && total === 0) return <LoadError failure={failure} title="Impossible de lire les messages de ce dossier" />;

  return (
    <div className="mss-list">
      {loaded && total === 0 ? (
        <p className="mss-list__empty" role="status">
          {source.folderId === null ? 'Aucun message ne correspond à cette recherche.' : 'Aucun message dans ce dossier.'}
        </p>
      ) : null}
      {!loaded ? (
        <p className="mss-list__empty muted" role="status">
          Chargement des messages…
        </p>
      ) : null}
      <div
        ref={parentRef}
        className="mss-list__scroller"
        role="listbox"
        aria-label={source.label}
        tabIndex={total > 0 ? 0 : -1}
        aria-activedescendant={active >= 0 && cacheRef.current.row(active) ? rowId(active) : undefined}
        onKeyDown={onKeyDown}
        onFocus={() => {
          if (active < 0 && total > 0) setActive(selectedIndex >= 0 ? selectedIndex : 0);
        }}
        hidden={total === 0}
      >
        <div className="mss-list__inner" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {items.map((item) => {
            const message = cacheRef.current.row(item.index);
            return (
              <div
                key={item.key}
                className="mss-list__slot"
                // Positioned by the virtualiser (a computed offset, not a style sheet rule).
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {message ? (
                  <Row
                    id={rowId(item.index)}
                    message={message}
                    index={item.index}
                    total={total}
                    outgoing={source.outgoing}
                    selected={message.id === selectedId}
                    active={item.index === active}
                    onOpen={(m) => {
                      setActive(item.index);
                      onOpen(m);
                    }}
                  />
                ) : (
                  <div
                    className="mss-row mss-row--loading"
                    role="option"
                    aria-selected="false"
                    aria-posinset={item.index + 1}
                    aria-setsize={total}
                    aria-disabled="true"
                  >
                    <span className="muted">Chargement…</span>
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

const Row = memo(function Row({
  id,
  message,
  index,
  total,
  outgoing,
  selected,
  active,
  onOpen,
}: {
  id: string;
  message: MessageSummary;
  index: number;
  total: number;
  outgoing: boolean;
  selected: boolean;
  active: boolean;
  onOpen: (message: MessageSummary) => void;
}) {
  const ins = message.patientAddress ? patientInsOf(message.patientAddress) : null;
  const patient = ins !== null;
  const known = usePatientByIns(ins);
  // A patient is named (birth name, first names) rather than shown as an INS address.
  const name = (a: MailAddress) => (ins && known && patientInsOf(a) === ins ? patientName(known) : displayAddress(a));
  const who = outgoing
    ? `À : ${message.to.length <= 2 ? message.to.map(name).join(', ') : shortList(message.to)}`
    : name(message.from[0] ?? {});
  const classes = [
    'mss-row',
    message.seen ? 'mss-row--read' : 'mss-row--unread',
    selected ? 'mss-row--selected' : '',
    active ? 'mss-row--active' : '',
    patient ? 'mss-row--patient' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      id={id}
      className={classes}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={total}
      onClick={() => onOpen(message)}
    >
      <span className="mss-row__dot" aria-hidden="true" />
      <span className="mss-row__main">
        <span className="mss-row__line">
          <span className="mss-row__who">
            {!message.seen ? <span className="visually-hidden">Non lu, </span> : null}
            {who}
          </span>
          <time className="mss-row__date" dateTime={message.date ?? undefined} title={formatDateTimeLong(message.date)}>
            {formatDateTime(message.date)}
          </time>
        </span>
        <span className="mss-row__line">
          <span className="mss-row__subject">{displaySubject(message.subject)}</span>
          <span className="mss-row__marks">
            {patient ? <span className="mss-mark mss-mark--patient">Patient</span> : null}
            {message.xdm ? <span className="mss-mark mss-mark--document">Document</span> : null}
            {message.hasAttachments ? (
              <span className="mss-mark mss-mark--attachment" title="Pièce jointe">
                <Icon name="fichier" />
                <span className="visually-hidden">, avec pièce jointe</span>
              </span>
            ) : null}
          </span>
        </span>
      </span>
    </div>
  );
});
