import { describe, expect, it } from 'vitest';
import { clearSessionCaches, registerSessionCache } from './session-caches.js';

describe('session caches', () => {
  it('empties every registered cache at once (the session provider calls it at lock and logout)', () => {
    const patients = new Map([['123', 'ADRTROIS DOMINIQUE']]);
    let lastQuery = 'adrtrois';
    registerSessionCache(() => patients.clear());
    registerSessionCache(() => {
      lastQuery = '';
    });
    clearSessionCaches();
    expect(patients.size).toBe(0);
    expect(lastQuery).toBe('');
  });
});
