/**
 * Helpers for the virtualised message list (pure). The list may hold tens of
 * thousands of messages: only the rows on screen are drawn
 * (`@tanstack/react-virtual`), and only the pages around them are asked of
 * the services (offset/limit). Here: which pages a visible range needs, a
 * bounded page cache, and the keyboard moves (arrows, Page Up/Down, Home/End).
 */

export const PAGE_SIZE = 100;

/** Page numbers covering rows [start, end] plus `overscan` pages around, within [0, total). */
export function pagesForRange(start: number, end: number, total: number, pageSize = PAGE_SIZE, overscan = 1): number[] {
  if (total <= 0 || end < start) return [];
  const last = Math.ceil(total / pageSize) - 1;
  const first = Math.max(0, Math.floor(Math.max(0, start) / pageSize) - overscan);
  const final = Math.min(last, Math.floor(Math.min(end, total - 1) / pageSize) + overscan);
  const pages: number[] = [];
  for (let p = first; p <= final; p++) pages.push(p);
  return pages;
}

/**
 * Pages of rows kept in memory, the least recently used dropped beyond
 * `maxPages` (100 pages of 100 rows = the whole of a 10,000-message folder).
 * A generation number lets a late answer for a folder we left be ignored.
 */
export class PageCache<T> {
  private readonly pages = new Map<number, T[]>();
  private readonly pending = new Set<number>();
  generation = 0;

  constructor(
    readonly pageSize = PAGE_SIZE,
    private readonly maxPages = 100,
  ) {}

  row(index: number): T | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return page?.[index % this.pageSize];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** Pages among `wanted` neither loaded nor being loaded; marks them pending. */
  claim(wanted: readonly number[]): number[] {
    const out = wanted.filter((p) => !this.pages.has(p) && !this.pending.has(p));
    for (const p of out) this.pending.add(p);
    return out;
  }

  /** Stores a page (ignored when it belongs to an older generation). */
  put(page: number, rows: T[], generation = this.generation): boolean {
    if (generation !== this.generation) return false;
    this.pending.delete(page);
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next().value;
      if (oldest === undefined) break;
      this.pages.delete(oldest);
    }
    return true;
  }

  /** A page failed: it may be asked again. */
  release(page: number): void {
    this.pending.delete(page);
  }

  /** Marks a page as recently used. */
  touch(page: number): void {
    const rows = this.pages.get(page);
    if (!rows) return;
    this.pages.delete(page);
    this.pages.set(page, rows);
  }

  /** Updates one row in place when it is loaded (a message marked read). */
  update(predicate: (row: T) => boolean, change: (row: T) => T): boolean {
    let changed = false;
    for (const [p, rows] of this.pages) {
      const i = rows.findIndex(predicate);
      if (i >= 0) {
        const next = rows.slice();
        next[i] = change(rows[i] as T);
        this.pages.set(p, next);
        changed = true;
      }
    }
    return changed;
  }

  /** Everything dropped (another folder, a sync changed the order); bumps the generation. */
  clear(): void {
    this.pages.clear();
    this.pending.clear();
    this.generation++;
  }

  get size(): number {
    return this.pages.size;
  }
}

/**
 * Where a key moves the active row in a list of `count` rows showing about
 * `visibleRows` at once. Returns null for keys the list does not handle.
 */
export function nextIndex(key: string, current: number, count: number, visibleRows: number): number | null {
  if (count <= 0) return null;
  const page = Math.max(1, visibleRows - 1);
  const clamp = (n: number) => Math.max(0, Math.min(count - 1, n));
  const from = current < 0 ? -1 : current;
  switch (key) {
    case 'ArrowDown':
      return clamp(from + 1);
    case 'ArrowUp':
      return clamp(from < 0 ? 0 : from - 1);
    case 'PageDown':
      return clamp(from + page);
    case 'PageUp':
      return clamp(from - page);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** « 1 234 messages, dont 12 non lus » (French thousands separator). */
export function countLabel(total: number, unread: number): string {
  const n = (x: number) => x.toLocaleString('fr-FR');
  const messages = `${n(total)} message${total > 1 ? 's' : ''}`;
  if (unread <= 0) return messages;
  return `${messages}, dont ${n(unread)} non lu${unread > 1 ? 's' : ''}`;
}

/** Progress of the first sync, 0–100, never NaN; null when nothing is known yet. */
export function progressPercent(done: number, total: number): number | null {
  if (!Number.isFinite(done) || !Number.isFinite(total) || total <= 0) return null;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
