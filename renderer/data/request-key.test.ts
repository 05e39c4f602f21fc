import { describe, expect, it } from 'vitest';
import { requestKey } from './request-key.js';

describe('requestKey', () => {
  it('does not depend on the order of keys, and ignores undefined fields', () => {
    expect(requestKey('dmp.list', { uid: 'a', filter: { b: 1, a: 2 } })).toBe(
      requestKey('dmp.list', { filter: { a: 2, b: 1 }, uid: 'a', refresh: undefined }),
    );
  });
  it('tells channels and values apart', () => {
    expect(requestKey('dmp.list', { uid: 'a' })).not.toBe(requestKey('dmp.status', { uid: 'a' }));
    expect(requestKey('dmp.list', { uid: 'a' })).not.toBe(requestKey('dmp.list', { uid: 'b' }));
    expect(requestKey('dmp.list', { ids: [1, 2] })).not.toBe(requestKey('dmp.list', { ids: [2, 1] }));
  });
});
