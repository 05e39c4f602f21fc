import { describe, expect, it } from 'vitest';
import { deliveryOf, type ReceiptLike } from './delivery.js';

const r = (recipient: string, state: ReceiptLike['state'], at: string, label: string = state): ReceiptLike => ({
  recipient,
  state,
  label,
  at,
});

describe('deliveryOf', () => {
  it('says « envoyé » while nothing says otherwise', () => {
    expect(deliveryOf([r('a@x.fr', 'envoye', '2026-11-23T10:00:00Z')], ['a@x.fr'])).toEqual({ state: 'envoye', label: null, at: null });
    expect(deliveryOf([], ['a@x.fr'])).toEqual({ state: 'envoye', label: null, at: null });
  });

  it('moves to « remis » then « lu » with the receipts', () => {
    const events = [r('a@x.fr', 'envoye', '2026-11-23T10:00:00Z'), r('a@x.fr', 'remis', '2026-11-23T10:01:00Z', 'remis dans la boîte')];
    expect(deliveryOf(events, ['a@x.fr'])).toEqual({ state: 'remis', label: 'remis dans la boîte', at: '2026-11-23T10:01:00Z' });
    expect(deliveryOf([...events, r('a@x.fr', 'lu', '2026-11-23T12:00:00Z', 'lu')], ['a@x.fr']).state).toBe('lu');
  });

  it('a failure for any recipient is the mail’s state, and a later delay does not undo it', () => {
    const events = [
      r('a@x.fr', 'lu', '2026-11-23T12:00:00Z'),
      r('b@x.fr', 'echec', '2026-11-23T10:02:00Z', 'espace fermé'),
      r('b@x.fr', 'en_attente', '2026-11-23T10:03:00Z'),
    ];
    expect(deliveryOf(events, ['a@x.fr', 'b@x.fr'])).toEqual({ state: 'echec', label: 'espace fermé', at: '2026-11-23T10:02:00Z' });
  });

  it('stays « envoyé » while one recipient has no news', () => {
    expect(deliveryOf([r('a@x.fr', 'lu', '2026-11-23T12:00:00Z')], ['a@x.fr', 'b@x.fr']).state).toBe('envoye');
  });
});
