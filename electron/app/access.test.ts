/**
 * Access rules of the contract, end to end below the transports: the real
 * services (encrypted store, OS keychain, the test PKI's GP logging in with
 * her .p12) behind the one dispatcher. Every channel of the contract is called
 * without login and while locked: each one not declared public answers the
 * typed refusal, and no handler runs, nothing is written or audited.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channel, channelAccess, channelNames, contract, type ChannelName } from '../../shared/contract/index.js';
import { detailsSchemas, errorCodes } from '../../shared/contract/outcome.js';
import * as s from '../../shared/contract/schemas.js';
import { createTestPki, identity, pkiPath, type PkiManifest } from '../../sandboxes/pki/test-pki.js';
import { envFor, tempDir, TestKeychain } from '../../test/support/fixtures.js';
import { createDispatcher } from './dispatch.js';
import { contextOf, createHandlers, type Handlers } from './handlers.js';
import { createServices, type Services } from './services.js';

/** The channels anyone may call — the login, e-CPS, card and lock screens, app info and status. Any change here is a decision. */
const PUBLIC: ChannelName[] = [
  'app.info',
  'diagnostic.run',
  'status.get',
  'status.refresh',
  'session.get',
  'session.cards',
  'session.loginCard',
  'session.loginP12',
  'session.ecpsStart',
  'session.ecpsPoll',
  'session.unlock',
  'session.lock',
  'session.logout',
  'session.activity',
];

const keychain = new TestKeychain();
let services: Services;
let pki: PkiManifest;
const ran: string[] = [];
const internal: unknown[] = [];
let dispatch: ReturnType<typeof createDispatcher>;
let call: (channel: string, payload?: unknown) => ReturnType<ReturnType<typeof createDispatcher>>;

const martin = () => {
  const who = identity(pki, 'medecin-martin');
  return { name: path.basename(who.p12!), content: fs.readFileSync(pkiPath(pki, who.p12!)), password: who.password! };
};
const auditCount = () => services.audit.verify().count;

beforeAll(async () => {
  const dataDir = tempDir();
  pki = await createTestPki(path.join(dataDir, 'pki-test'));
  services = await createServices({ host: 'navigateur', keychain, env: envFor(dataDir) });
  // Every real handler, wrapped to record that it ran.
  const real = createHandlers(services) as unknown as Record<string, (request: unknown, context: unknown) => unknown>;
  const recorded = Object.fromEntries(
    Object.entries(real).map(([name, handler]) => [
      name,
      (request: unknown, context: unknown) => {
        ran.push(name);
        return handler(request, context);
      },
    ]),
  ) as unknown as Handlers;
  dispatch = createDispatcher(recorded, { onInternalError: (channel, error) => internal.push({ channel, error }) });
  const context = contextOf(services);
  call = (channel, payload = {}) => dispatch(channel, payload, context());
}, 120_000);

afterAll(async () => {
  await services?.close();
  keychain.cleanup();
});

describe('every channel declares who may call it', () => {
  it('only the login, lock-screen, app and status channels are public', () => {
    expect(channelNames.filter((name) => channelAccess(name) === 'public')).toEqual(PUBLIC);
    expect(channelNames.every((name) => ['public', 'practitioner'].includes(channelAccess(name)))).toBe(true);
  });

  it('a channel without its access does not compile (nor run)', () => {
    // `npm run typecheck` fails if this line ever compiles: the access is the mandatory third argument.
    // @ts-expect-error a channel must declare who may call it
    expect(() => channel(s.empty, s.empty)).toThrow(/Accès non déclaré/);
    expect(() => channel(s.empty, s.empty, 'tout le monde' as 'public')).toThrow(/Accès non déclaré/);
    expect(contract.audit.list.access).toBe('practitioner');
  });

  it('every error code has a details schema', () => {
    expect(Object.keys(detailsSchemas).sort()).toEqual([...errorCodes].sort());
  });
});

describe('without login and while locked, every practitioner channel is refused before its handler', () => {
  const walk = async (reason: 'absent' | 'locked') => {
    const before = auditCount();
    ran.length = 0;
    for (const name of channelNames.filter((n) => channelAccess(n) !== 'public')) {
      const outcome = await call(name, {});
      expect({ name, outcome }).toEqual({
        name,
        outcome: { ok: false, code: 'SESSION_REQUIRED', message: expect.stringMatching(/Connectez-vous|verrouillée/), details: { reason } },
      });
    }
    expect(ran).toEqual([]);
    expect(auditCount()).toBe(before);
  };

  it('nobody logged in: SESSION_REQUIRED, reason « absent »', async () => {
    expect(services.identity.session.snapshot().state).toBe('deconnecte');
    await walk('absent');
    // Even the ones the issue named, with a valid payload.
    expect(await call('settings.set', { key: 'identity.pkcs11Module', value: '/tmp/evil.so' })).toMatchObject({ code: 'SESSION_REQUIRED' });
    expect(services.settings.get('identity.pkcs11Module')).toBe('');
    expect(await call('audit.list', { limit: 5 })).toMatchObject({ code: 'SESSION_REQUIRED' });
    expect(await call('outbox.list', {})).toMatchObject({ code: 'SESSION_REQUIRED' });
    expect(await call('mss.refuseMdn', { id: 1 })).toMatchObject({ code: 'SESSION_REQUIRED' });
    expect(internal).toEqual([]);
  });

  it('locked: SESSION_REQUIRED, reason « locked »; the lock screen can still unlock and log out', async () => {
    const file = martin();
    expect(
      await call('session.loginP12', { fileName: file.name, contentBase64: file.content.toString('base64'), password: file.password }),
    ).toMatchObject({ ok: true, value: { state: 'connecte' } });
    expect(await call('audit.list', { limit: 5 })).toMatchObject({ ok: true });
    expect(await call('session.lock', {})).toMatchObject({ ok: true, value: { state: 'verrouille' } });
    await walk('locked');
    expect(await call('session.get', {})).toMatchObject({ ok: true, value: { state: 'verrouille' } });
    expect(await call('session.unlock', { secret: 'pas le bon' })).toMatchObject({ ok: false, code: 'CREDENTIALS_REFUSED' });
    expect(await call('session.unlock', { secret: file.password })).toMatchObject({ ok: true, value: { state: 'connecte' } });
    expect(await call('session.lock', {})).toMatchObject({ ok: true, value: { state: 'verrouille' } });
    expect(await call('session.logout', {})).toMatchObject({ ok: true, value: { state: 'deconnecte' } });
    expect(internal).toEqual([]);
  });
});

describe('a logged-in practitioner', () => {
  it('changes settings as the actor of the audit entry; the card module must name an existing file', async () => {
    const file = martin();
    await services.identity.loginP12(file.name, file.content, file.password);
    const idNatPs = services.identity.session.snapshot().practitioner!.idNatPs;
    for (const value of ['/nulle/part/libcps.so', 'relatif/libcps.so', tempDir() /* a folder */]) {
      const refused = await call('settings.set', { key: 'identity.pkcs11Module', value });
      expect(refused).toMatchObject({
        ok: false,
        code: 'INVALID_REQUEST',
        message: expect.stringContaining('Module de la carte CPS refusé'),
        details: { field: 'identity.pkcs11Module' },
      });
    }
    expect(services.settings.get('identity.pkcs11Module')).toBe('');
    const module = path.join(tempDir(), 'libcps-test.so');
    fs.writeFileSync(module, 'pas une vraie bibliothèque : seul le chemin est vérifié ici');
    expect(await call('settings.set', { key: 'identity.pkcs11Module', value: module })).toMatchObject({ ok: true });
    expect(services.settings.get('identity.pkcs11Module')).toBe(module);
    const last = services.audit.list(1).entries[0]!;
    expect(last).toMatchObject({ actor: idNatPs, action: 'settings.change', subject: 'identity.pkcs11Module' });
    expect(await call('settings.set', { key: 'identity.pkcs11Module', value: '' })).toMatchObject({ ok: true });
    expect(await call('outbox.retry', { id: 999_999 })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await services.identity.logout();
    expect(internal).toEqual([]);
  });
});
