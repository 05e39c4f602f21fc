import { describe, expect, it, vi } from 'vitest';
import { channelNames } from '../../shared/contract/index.js';
import { CabinetError } from '../../shared/contract/outcome.js';
import { createDispatcher } from './dispatch.js';
import type { CallContext, Handlers } from './handlers.js';

function handlers(overrides: Partial<Record<string, (...args: unknown[]) => unknown>> = {}): Handlers {
  const base = Object.fromEntries(
    channelNames.map((name) => [
      name,
      () => {
        throw new Error(`not under test: ${name}`);
      },
    ]),
  );
  return { ...base, ...overrides } as unknown as Handlers;
}
const ctx: CallContext = { actor: '899700000001', session: 'connecte', practitioner: null };
const nobody: CallContext = { actor: 'systeme', session: 'deconnecte', practitioner: null };
const locked: CallContext = { actor: '899700000001', session: 'verrouille', practitioner: null };

describe('dispatcher', () => {
  it('refuses an unknown channel with a typed French failure', async () => {
    const dispatch = createDispatcher(handlers());
    expect(await dispatch('patients.drop', {}, ctx)).toMatchObject({
      ok: false,
      code: 'UNKNOWN_CHANNEL',
      message: expect.stringContaining('Action inconnue'),
    });
    expect(await dispatch(42, {}, ctx)).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
    expect(await dispatch('constructor.name', {}, ctx)).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
    expect(await dispatch('__proto__.toString', {}, ctx)).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
  });

  it('refuses a bad payload before any handler runs', async () => {
    const list = vi.fn(() => ({ entries: [], hasMore: false }));
    const dispatch = createDispatcher(handlers({ 'audit.list': list }));
    const tooBig = await dispatch('audit.list', { limit: 100000 }, ctx);
    expect(tooBig).toMatchObject({ ok: false, code: 'INVALID_REQUEST', message: 'La demande envoyée à Cabinet est invalide.' });
    expect((tooBig as { details: { problemes: { path: string; message: string }[] } }).details.problemes[0]).toEqual({
      path: 'limit',
      message: 'valeur trop grande (maximum 500)',
    });
    expect(await dispatch('audit.list', { limit: 'dix' }, ctx)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(await dispatch('audit.list', { limit: 5, evil: true }, ctx)).toMatchObject({
      code: 'INVALID_REQUEST',
      details: { problemes: [{ message: expect.stringContaining('champ(s) inconnu(s)') }] },
    });
    expect(await dispatch('settings.set', { key: 'nope', value: 1 }, ctx)).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(list).not.toHaveBeenCalled();
  });

  it('applies request defaults and passes the validated request', async () => {
    const list = vi.fn(() => ({ entries: [], hasMore: false }));
    const dispatch = createDispatcher(handlers({ 'audit.list': list }));
    expect(await dispatch('audit.list', undefined, ctx)).toEqual({ ok: true, value: { entries: [], hasMore: false } });
    expect(list).toHaveBeenCalledWith({ limit: 100 }, ctx);
  });

  it('turns a CabinetError into its typed failure and hides other errors', async () => {
    const internal = vi.fn();
    const dispatch = createDispatcher(
      handlers({
        'outbox.retry': () => {
          throw new CabinetError('NOT_FOUND', 'Cet envoi n’existe pas.');
        },
        'audit.verify': () => {
          throw new TypeError('secret internal detail at /home/x/file.ts:12');
        },
      }),
      { onInternalError: internal },
    );
    expect(await dispatch('outbox.retry', { id: 3 }, ctx)).toEqual({ ok: false, code: 'NOT_FOUND', message: 'Cet envoi n’existe pas.' });
    const hidden = await dispatch('audit.verify', {}, ctx);
    expect(hidden).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(JSON.stringify(hidden)).not.toContain('secret internal');
    expect(internal).toHaveBeenCalledTimes(1);
  });

  it('refuses to return an answer that breaks the contract', async () => {
    const dispatch = createDispatcher(handlers({ 'audit.verify': () => ({ valid: 'oui' }) }), { onInternalError: () => undefined });
    expect(await dispatch('audit.verify', {}, ctx)).toMatchObject({ ok: false, code: 'INTERNAL' });
  });

  it('refuses a practitioner’s channel before reading its payload or running its handler', async () => {
    const list = vi.fn(() => ({ entries: [], hasMore: false }));
    const dispatch = createDispatcher(handlers({ 'audit.list': list }));
    expect(await dispatch('audit.list', { limit: 5 }, nobody)).toEqual({
      ok: false,
      code: 'SESSION_REQUIRED',
      message: expect.stringContaining('Connectez-vous'),
      details: { reason: 'absent' },
    });
    expect(await dispatch('audit.list', { limit: 'dix' }, nobody)).toMatchObject({
      code: 'SESSION_REQUIRED',
      details: { reason: 'absent' },
    });
    expect(await dispatch('audit.list', { limit: 5 }, locked)).toEqual({
      ok: false,
      code: 'SESSION_REQUIRED',
      message: expect.stringContaining('verrouillée'),
      details: { reason: 'locked' },
    });
    expect(list).not.toHaveBeenCalled();
    expect(await dispatch('audit.list', { limit: 5 }, ctx)).toEqual({ ok: true, value: { entries: [], hasMore: false } });
  });

  it('lets a public channel through when nobody is logged in', async () => {
    const info = vi.fn(() => ({ env: 'sandbox', services: [], outbox: { en_attente: 0, en_cours: 0, echec: 0, envoye: 0 } }));
    const dispatch = createDispatcher(handlers({ 'status.get': info }));
    await dispatch('status.get', {}, nobody);
    expect(info).toHaveBeenCalledTimes(1);
  });

  it('drops details outside their code’s schema and reports them', async () => {
    const internal = vi.fn();
    const dispatch = createDispatcher(
      handlers({
        'outbox.retry': () => {
          throw new CabinetError('SESSION_REQUIRED', 'Connectez-vous.', { reason: 'peut-être' });
        },
        'audit.verify': () => {
          throw new CabinetError('CERTIFICATE_REFUSED', 'Certificat refusé : expiré.', { reason: 'expire', notAfter: '2026-01-01' });
        },
      }),
      { onInternalError: internal },
    );
    expect(await dispatch('outbox.retry', { id: 3 }, ctx)).toEqual({ ok: false, code: 'SESSION_REQUIRED', message: 'Connectez-vous.' });
    expect(internal).toHaveBeenCalledTimes(1);
    expect(await dispatch('audit.verify', {}, ctx)).toEqual({
      ok: false,
      code: 'CERTIFICATE_REFUSED',
      message: 'Certificat refusé : expiré.',
      details: { reason: 'expire', notAfter: '2026-01-01' },
    });
    expect(internal).toHaveBeenCalledTimes(1);
  });
});
