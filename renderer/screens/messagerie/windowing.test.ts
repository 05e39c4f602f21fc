import { describe, expect, it } from 'vitest';
import { countLabel, nextIndex, PageCache, pagesForRange, progressPercent } from './windowing.js';

describe('pages for a visible range', () => {
  it('covers the range with one page of overscan, within bounds', () => {
    expect(pagesForRange(0, 20, 10_000)).toEqual([0, 1]);
    expect(pagesForRange(250, 280, 10_000)).toEqual([1, 2, 3]);
    expect(pagesForRange(9_990, 9_999, 10_000)).toEqual([98, 99]);
    expect(pagesForRange(0, 5, 0)).toEqual([]);
    expect(pagesForRange(0, 500, 150)).toEqual([0, 1]);
  });
});

describe('page cache', () => {
  it('claims each page once, stores rows, drops old generations', () => {
    const cache = new PageCache<number>(10, 3);
    expect(cache.claim([0, 1])).toEqual([0, 1]);
    expect(cache.claim([0, 1, 2])).toEqual([2]);
    const gen = cache.generation;
    cache.put(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], gen);
    expect(cache.row(7)).toBe(7);
    expect(cache.row(17)).toBeUndefined();
    cache.clear();
    expect(cache.put(1, [10], gen)).toBe(false);
    expect(cache.row(0)).toBeUndefined();
  });

  it('evicts the least recently used page beyond its bound', () => {
    const cache = new PageCache<string>(1, 2);
    cache.put(0, ['a']);
    cache.put(1, ['b']);
    cache.touch(0);
    cache.put(2, ['c']);
    expect(cache.has(0)).toBe(true);
    expect(cache.has(1)).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('updates a loaded row and releases failed pages', () => {
    const cache = new PageCache<{ id: number; seen: boolean }>(2);
    cache.put(0, [
      { id: 1, seen: false },
      { id: 2, seen: false },
    ]);
    expect(
      cache.update(
        (r) => r.id === 2,
        (r) => ({ ...r, seen: true }),
      ),
    ).toBe(true);
    expect(cache.row(1)?.seen).toBe(true);
    expect(
      cache.update(
        (r) => r.id === 9,
        (r) => r,
      ),
    ).toBe(false);
    expect(cache.claim([3])).toEqual([3]);
    cache.release(3);
    expect(cache.claim([3])).toEqual([3]);
  });
});

describe('keyboard moves', () => {
  it('moves with arrows, pages, Home and End, clamped', () => {
    expect(nextIndex('ArrowDown', -1, 10, 5)).toBe(0);
    expect(nextIndex('ArrowDown', 9, 10, 5)).toBe(9);
    expect(nextIndex('ArrowUp', 0, 10, 5)).toBe(0);
    expect(nextIndex('PageDown', 2, 10, 5)).toBe(6);
    expect(nextIndex('PageUp', 2, 10, 5)).toBe(0);
    expect(nextIndex('Home', 5, 10, 5)).toBe(0);
    expect(nextIndex('End', 5, 10_000, 5)).toBe(9_999);
    expect(nextIndex('a', 5, 10, 5)).toBeNull();
    expect(nextIndex('ArrowDown', 0, 0, 5)).toBeNull();
  });
});

describe('labels', () => {
  it('counts in French', () => {
    expect(countLabel(1, 0)).toBe('1 message');
    expect(countLabel(10000, 12).replace(/\s/g, ' ')).toBe('10 000 messages, dont 12 non lus');
    expect(countLabel(2, 1)).toBe('2 messages, dont 1 non lu');
  });
  it('computes progress safely', () => {
    expect(progressPercent(50, 200)).toBe(25);
    expect(progressPercent(5, 0)).toBeNull();
    expect(progressPercent(300, 200)).toBe(100);
  });
});
