import { describe, expect, it } from 'vitest';
import type { DmpFeed } from './dmp-api.js';
import { emptyFilter } from './DmpDocumentList.js';
import { justSent, toRequestFilter } from './dmp-list.js';

const feed = (uniqueId: string, state: string): DmpFeed => ({ uniqueId, state }) as DmpFeed;

describe('toRequestFilter', () => {
  it('asks the first page only, without empty criteria', () => {
    expect(toRequestFilter(emptyFilter, 50)).toEqual({ limit: 50, offset: 0 });
  });

  it('keeps the criteria typed, trimmed, and the visibility unless « toutes »', () => {
    expect(
      toRequestFilter(
        { type: '11488-4', from: '2024-01-01', to: '2024-12-31', author: '  Martin ', visibility: 'masque_ps' as never },
        100,
      ),
    ).toEqual({
      limit: 100,
      offset: 0,
      types: ['11488-4'],
      from: '2024-01-01',
      to: '2024-12-31',
      author: 'Martin',
      visibility: 'masque_ps',
    });
    expect(toRequestFilter({ ...emptyFilter, author: '   ' }, 50)).toEqual({ limit: 50, offset: 0 });
  });
});

describe('justSent', () => {
  it('is true when a send known before has just reached the DMP', () => {
    expect(justSent([feed('a', 'en_attente')], [feed('a', 'envoye')])).toBe(true);
  });

  it('is false for a send already in the DMP, a new one, or one still waiting or failed', () => {
    expect(justSent([feed('a', 'envoye')], [feed('a', 'envoye')])).toBe(false);
    expect(justSent([], [feed('b', 'envoye')])).toBe(false);
    expect(justSent([feed('a', 'en_attente')], [feed('a', 'en_attente')])).toBe(false);
    expect(justSent([feed('a', 'en_attente')], [feed('a', 'echec')])).toBe(false);
  });
});
