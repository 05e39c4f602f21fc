import { describe, expect, it } from 'vitest';
import { nextDelayMs } from './outbox.js';

describe('outbox backoff', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };
  it('doubles after each attempt, between half and the full ceiling', () => {
    expect(nextDelayMs(1, policy, () => 0)).toBe(500);
    expect(nextDelayMs(1, policy, () => 1)).toBe(1000);
    expect(nextDelayMs(3, policy, () => 1)).toBe(4000);
    expect(nextDelayMs(3, policy, () => 0)).toBe(2000);
  });
  it('is capped', () => {
    expect(nextDelayMs(50, policy, () => 1)).toBe(60_000);
  });
});
