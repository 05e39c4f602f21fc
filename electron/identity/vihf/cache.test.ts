import { beforeAll, describe, expect, it } from 'vitest';
import { issueLeaf, makeAuthority, softwareSigner, type TestAuthority, type TestLeaf } from '../../../test/support/throwaway-ca.js';
import { cardSubject, doctorInput } from '../../../test/support/vihf-samples.js';
import { VihfCache } from './cache.js';
import { verifyVihf } from './verify.js';

let ca: TestAuthority;
let leaf: TestLeaf;

function issueInstant(xml: string): string {
  return /IssueInstant="([^"]+)"/.exec(xml)?.[1] ?? '';
}

/** A clock the test moves by hand. */
function manualClock(start: Date) {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    advanceMinutes(minutes: number) {
      now += minutes * 60_000;
    },
    set(date: Date) {
      now = date.getTime();
    },
  };
}

beforeAll(() => {
  ca = makeAuthority();
  leaf = issueLeaf(ca, { usage: 'signature', subject: cardSubject });
});

describe('VihfCache', () => {
  it('(d) reuses an assertion for 20 minutes, then signs a new one', () => {
    const start = new Date();
    const time = manualClock(start);
    const signer = softwareSigner(leaf);
    const cache = new VihfCache({ clock: time.clock });

    const first = cache.get(doctorInput, signer);
    expect(signer.signatures).toBe(1);
    time.advanceMinutes(19.99);
    expect(cache.get(doctorInput, signer)).toBe(first);
    expect(signer.signatures).toBe(1);

    time.advanceMinutes(0.01); // exactly 20 minutes
    const second = cache.get(doctorInput, signer);
    expect(second).not.toBe(first);
    expect(signer.signatures).toBe(2);
    expect(issueInstant(second)).toBe(new Date(start.getTime() + 20 * 60_000).toISOString());
    // The rebuilt one is valid for another hour from its own instant.
    expect(verifyVihf(second, { anchorsPem: [ca.certPem], now: new Date(start.getTime() + 79 * 60_000) }).id).not.toBe(
      verifyVihf(first, { anchorsPem: [ca.certPem], now: start }).id,
    );
  });

  it('keys by practitioner, mode and patient, and rebuilds when anything else signed changes', () => {
    const time = manualClock(new Date());
    const signer = softwareSigner(leaf);
    const cache = new VihfCache({ clock: time.clock });
    const base = cache.get(doctorInput, signer);

    const otherPatient = cache.get({ ...doctorInput, patientIns: { value: '180032B02040123', oid: '1.2.250.1.213.1.4.8' } }, signer);
    const noPatient = cache.get({ ...doctorInput, patientIns: undefined }, signer);
    const emergency = cache.get({ ...doctorInput, purposeOfUse: 'bris_de_glace' }, signer);
    const indirect = cache.get({ ...doctorInput, authenticationMode: 'INDIRECTE' }, signer);
    const otherPractitioner = cache.get({ ...doctorInput, practitioner: { ...doctorInput.practitioner, idNatPs: '810000000001' } }, signer);
    expect(new Set([base, otherPatient, noPatient, emergency, indirect, otherPractitioner]).size).toBe(6);
    expect(cache.size).toBe(6);
    expect(signer.signatures).toBe(6);

    // Each key still hits its own entry.
    expect(cache.get({ ...doctorInput, purposeOfUse: 'bris_de_glace' }, signer)).toBe(emergency);
    expect(cache.get(doctorInput, signer)).toBe(base);
    expect(signer.signatures).toBe(6);

    // Same key, different structure or certificate: never the stale assertion.
    const moved = cache.get({ ...doctorInput, structureId: 'R95142' }, signer);
    expect(moved).not.toBe(base);
    const renewed = softwareSigner(issueLeaf(ca, { usage: 'signature', subject: cardSubject }));
    expect(cache.get({ ...doctorInput, structureId: 'R95142' }, renewed)).not.toBe(moved);
  });

  it('rebuilds when the clock goes backwards, after clear(), and bounds its size', () => {
    const start = new Date();
    const time = manualClock(start);
    const signer = softwareSigner(leaf);
    const cache = new VihfCache({ clock: time.clock, maxEntries: 2 });
    const first = cache.get(doctorInput, signer);
    time.set(new Date(start.getTime() - 60_000));
    const second = cache.get(doctorInput, signer);
    expect(second).not.toBe(first);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get(doctorInput, signer)).not.toBe(second);

    cache.get({ ...doctorInput, purposeOfUse: 'bris_de_glace' }, signer);
    cache.get({ ...doctorInput, purposeOfUse: 'centre_15' }, signer);
    expect(cache.size).toBe(2);
    const before = signer.signatures;
    cache.get(doctorInput, signer); // the oldest entry was dropped
    expect(signer.signatures).toBe(before + 1);
  });
});
