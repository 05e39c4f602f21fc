import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('calls in flight by key', () => {
  it('shares one call between callers of the same key, not between keys', async () => {
    const calls: string[] = [];
    const pending = deferred<string>();
    const inFlight = new InFlight<string>();
    const run = (key: string) => () => {
      calls.push(key);
      return key === 'a' ? pending.promise : Promise.resolve(key);
    };
    const first = inFlight.share('a', run('a'));
    const second = inFlight.share('a', run('a'));
    const other = inFlight.share('b', run('b'));
    expect(calls).toEqual(['a', 'b']);
    pending.resolve('réponse');
    expect(await Promise.all([first, second, other])).toEqual(['réponse', 'réponse', 'b']);
  });

  it('calls again once the call settled, even when it failed', async () => {
    const inFlight = new InFlight<string>();
    let count = 0;
    await inFlight.share('a', () => Promise.reject(new Error(`échec ${++count}`))).catch(() => undefined);
    expect(await inFlight.share('a', () => Promise.resolve(`appel ${++count}`))).toBe('appel 2');
  });

  it('after clear, a new caller starts a new call; the old one settling does not drop it', async () => {
    const inFlight = new InFlight<number>();
    const old = deferred<number>();
    const fresh = deferred<number>();
    let calls = 0;
    void inFlight.share('a', () => (calls++, old.promise));
    inFlight.clear();
    const next = inFlight.share('a', () => (calls++, fresh.promise));
    old.resolve(1);
    await old.promise;
    expect(inFlight.share('a', () => (calls++, Promise.resolve(3)))).toBe(next);
    expect(calls).toBe(2);
    fresh.resolve(2);
    expect(await next).toBe(2);
  });
});
