import { describe, expect, it, vi } from 'vitest';
import { buildApi, channelDef, channelNames, contract, eventNames } from './index.js';

describe('contract', () => {
  it('names every channel group.method', () => {
    expect(channelNames).toContain('audit.list');
    expect(channelNames.length).toBe(Object.values(contract).reduce((n, group) => n + Object.keys(group).length, 0));
    for (const name of channelNames) expect(channelDef(name)).toBeDefined();
  });

  it('knows nothing outside the declared channels', () => {
    for (const name of ['audit', 'audit.list.x', 'toString.call', 'audit.hasOwnProperty', '', '.'])
      expect(channelDef(name)).toBeUndefined();
  });

  it('builds one method per channel and one subscriber per event', async () => {
    const invoke = vi.fn(async () => ({ ok: true as const, value: 1 }));
    const unsubscribe = vi.fn();
    const subscribe = vi.fn(() => unsubscribe);
    const api = buildApi(invoke, subscribe);
    await api.audit.list({ limit: 3 });
    await api.status.get();
    expect(invoke).toHaveBeenNthCalledWith(1, 'audit.list', { limit: 3 });
    expect(invoke).toHaveBeenNthCalledWith(2, 'status.get', {});
    const off = api.events.outboxChanged(() => undefined);
    expect(subscribe).toHaveBeenCalledWith('outboxChanged', expect.any(Function));
    off();
    expect(unsubscribe).toHaveBeenCalled();
    expect(Object.keys(api.events).sort()).toEqual([...eventNames].sort());
    expect(
      Object.keys(api)
        .filter((k) => k !== 'events')
        .sort(),
    ).toEqual(Object.keys(contract).sort());
  });
});
