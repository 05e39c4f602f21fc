import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { Practitioner } from '../../../shared/domain/practitioner.js';
import type { Credentials } from '../types.js';
import { Session, type CredentialOpener } from './session.js';

// The state machine alone; real cards and .p12 files are exercised in login.test.ts.
const martin: Practitioner = {
  idNatPs: '810002909372',
  givenName: 'Marie',
  surname: 'MARTIN',
  displayName: 'Dr Marie MARTIN',
  professionCode: '10',
  professionLabel: 'Médecin',
  source: 'carte_cps',
};

function opener(pin = '1234', who: Practitioner = martin) {
  const state = { present: true, disposed: 0, opened: 0 };
  const value: CredentialOpener = {
    source: 'carte_cps',
    description: 'Carte CPS — lecteur de test',
    async open(secret) {
      if (secret !== pin) throw new CabinetError('CREDENTIALS_REFUSED', 'Code PIN incorrect.');
      state.opened += 1;
      const credentials = {
        practitioner: who,
        present: () => state.present,
        dispose: () => (state.disposed += 1),
      } as unknown as Credentials;
      return credentials;
    },
  };
  return { value, state };
}

function setup() {
  const audit: { action: string; actor: string }[] = [];
  const clock = { now: 1_000_000 };
  const session = new Session({ audit: { append: (e) => audit.push(e) }, inactivityMinutes: () => 15, clock: () => clock.now });
  return { session, audit, clock };
}

describe('session', () => {
  it('logs in, audits, and refuses work while logged out', async () => {
    const { session, audit } = setup();
    expect(() => session.require()).toThrow(/Connectez-vous/);
    const { value } = opener();
    await expect(session.login(value, '0000')).rejects.toThrow('Code PIN incorrect.');
    expect(session.snapshot().state).toBe('deconnecte');
    await session.login(value, '1234');
    expect(session.snapshot()).toMatchObject({ state: 'connecte', practitioner: { idNatPs: '810002909372' }, source: 'carte_cps' });
    expect(session.require().practitioner.displayName).toBe('Dr Marie MARTIN');
    expect(audit.map((e) => e.action)).toEqual(['session.login_failed', 'session.login']);
    expect(JSON.stringify(audit)).not.toContain('1234');
    session.dispose();
  });

  it('locks after inactivity and unlocks with the PIN only', async () => {
    const { session, clock, audit } = setup();
    const { value, state } = opener();
    await session.login(value, '1234');
    clock.now += 14 * 60_000;
    session.check();
    expect(session.snapshot().state).toBe('connecte');
    session.touch();
    clock.now += 14 * 60_000;
    session.check();
    expect(session.snapshot().state).toBe('connecte');
    clock.now += 60_000;
    session.check();
    expect(session.snapshot()).toMatchObject({ state: 'verrouille', lockReason: 'inactivite' });
    expect(state.disposed).toBe(1);
    expect(() => session.require()).toThrow(/verrouillée/);
    await expect(session.unlock('9999')).rejects.toThrow('Code PIN incorrect.');
    await session.unlock('1234');
    expect(session.snapshot().state).toBe('connecte');
    expect(audit.map((e) => e.action)).toEqual(['session.login', 'session.lock', 'session.unlock_failed', 'session.unlock']);
    session.dispose();
  });

  it('locks at once when the card is removed', async () => {
    const { session } = setup();
    const { value, state } = opener();
    await session.login(value, '1234');
    state.present = false;
    session.check();
    expect(session.snapshot()).toMatchObject({ state: 'verrouille', lockReason: 'carte_retiree' });
    session.dispose();
  });

  it('refuses to unlock with another practitioner’s card', async () => {
    const { session } = setup();
    await session.login(opener().value, '1234');
    session.lock();
    const other = opener('1234', { ...martin, idNatPs: '810009999999' }).value;
    // Swap the opener's card: unlock re-opens "the same reader", which now holds another card.
    (session as unknown as { opener: CredentialOpener }).opener = other;
    await expect(session.unlock('1234')).rejects.toThrow(/autre praticien/);
    expect(session.snapshot().state).toBe('verrouille');
  });

  it('logout forgets the keys and the practitioner', async () => {
    const { session, audit } = setup();
    const { value, state } = opener();
    await session.login(value, '1234');
    await session.logout();
    expect(session.snapshot()).toMatchObject({ state: 'deconnecte', practitioner: null, source: null });
    expect(state.disposed).toBe(1);
    expect(audit.at(-1)).toMatchObject({ action: 'session.logout', actor: '810002909372' });
  });

  it('anchors the audit chain with the signature key at login, lock and logout, while the keys are still open', async () => {
    const anchored: string[] = [];
    const audit: string[] = [];
    let disposed = false;
    const signer = { certificatePem: 'signature', chainPem: [], sign: () => Buffer.alloc(0), dispose: () => undefined };
    const session = new Session({
      audit: { append: (e) => audit.push(e.action) },
      inactivityMinutes: () => 15,
      anchor: (s, actor, event) => {
        expect(s).toBe(signer);
        expect(disposed).toBe(false);
        anchored.push(`${event}:${actor}:after ${audit.at(-1)}`);
      },
    });
    let present = true;
    const value: CredentialOpener = {
      source: 'carte_cps',
      description: 'Carte CPS — lecteur de test',
      open: async () => {
        disposed = false;
        return {
          practitioner: martin,
          signature: signer,
          present: () => present,
          dispose: () => (disposed = true),
        } as unknown as Credentials;
      },
    };
    await session.login(value, '1234');
    session.lock('manuel');
    await session.unlock('1234');
    await session.logout();
    expect(anchored).toEqual([
      'login:810002909372:after session.login',
      'lock:810002909372:after session.lock',
      'logout:810002909372:after session.logout',
    ]);
    // A card pulled out cannot sign: that lock is audited but not anchored.
    await session.login(value, '1234');
    present = false;
    session.check();
    expect(session.snapshot().lockReason).toBe('carte_retiree');
    expect(anchored.at(-1)).toBe('login:810002909372:after session.login');
    expect(audit.at(-1)).toBe('session.lock');
  });
});
