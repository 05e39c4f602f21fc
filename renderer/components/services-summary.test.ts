import { describe, expect, it } from 'vitest';
import { servicesSummary } from './services-summary.js';

describe('servicesSummary', () => {
  it('says « tous connectés » when every service answers', () => {
    expect(servicesSummary([{ state: 'connecte' }, { state: 'connecte' }])).toEqual({
      text: 'Services nationaux : tous connectés',
      calm: true,
    });
  });

  it('counts the connected ones otherwise, and is no longer calm', () => {
    const summary = servicesSummary([{ state: 'connecte' }, { state: 'indisponible' }, { state: 'non_configure' }, { state: 'connecte' }]);
    expect(summary).toEqual({ text: 'Services nationaux : 2 connectés sur 4', calm: false });
  });

  it('is not calm when none is connected', () => {
    expect(servicesSummary([{ state: 'indisponible' }])).toEqual({ text: 'Services nationaux : 0 connecté sur 1', calm: false });
  });
});
