import { describe, expect, it } from 'vitest';
import { deriveTimeline, overallState, type ReceiptEvent } from './timeline.js';

const A = 'marie.martin@cabinet.test-mssante.fr';
const B = 'cardio@hopital.test-mssante.fr';
const sent = { outbox: 'envoye' as const, sentAt: '2026-01-01T10:00:00Z', readReceipt: true };

describe('receipts timeline', () => {
  it('waits in the outbox before anything is sent', () => {
    const [a] = deriveTimeline([A], { outbox: 'en_attente', readReceipt: false }, []);
    expect(a?.state).toBe('en_attente');
    expect(a?.summary).toBe('En attente d’envoi');
    expect(a?.steps.every((s) => !s.done)).toBe(true);
    expect(a?.steps[2]?.note).toBe('accusé de lecture non demandé');
    const [b] = deriveTimeline([A], { outbox: 'en_attente', outboxError: 'serveur injoignable', readReceipt: false }, []);
    expect(b?.summary).toContain('nouvel essai prévu (serveur injoignable)');
    expect(deriveTimeline([A], { outbox: 'en_cours', readReceipt: false }, [])[0]?.summary).toBe('Envoi en cours…');
  });

  it('goes envoyé → remis → lu per recipient, whatever the arrival order', () => {
    const events: ReceiptEvent[] = [
      { recipient: `rfc822;${A.toUpperCase()}`, state: 'lu', label: 'lu', at: '2026-01-01T12:00:00Z' },
      { recipient: A, state: 'remis', label: 'remis', at: '2026-01-01T10:01:00Z' },
      { recipient: B, state: 'remis', label: 'remis', at: '2026-01-01T10:02:00Z' },
    ];
    const [a, b] = deriveTimeline([A, B], sent, events);
    expect(a?.state).toBe('lu');
    expect(a?.steps.map((s) => s.done)).toEqual([true, true, true]);
    expect(a?.steps[1]?.at).toBe('2026-01-01T10:01:00Z');
    expect(b?.state).toBe('remis');
    expect(b?.summary).toBe('Remis le 2026-01-01T10:02:00Z, pas encore lu');
    expect(overallState([a!, b!])).toBe('remis');
  });

  it('a read receipt implies delivery even without a DSN', () => {
    const [a] = deriveTimeline([A], sent, [{ recipient: A, state: 'lu', label: 'lu', at: '2026-01-01T12:00:00Z' }]);
    expect(a?.steps.map((s) => s.done)).toEqual([true, true, true]);
  });

  it('shows a DSN failure with its reason, for that recipient only', () => {
    const events: ReceiptEvent[] = [
      { recipient: B, state: 'echec', label: 'échec : adresse inconnue (550 5.1.1)', at: '2026-01-01T10:03:00Z' },
    ];
    const [a, b] = deriveTimeline([A, B], sent, events);
    expect(a?.state).toBe('envoye');
    expect(b?.state).toBe('echec');
    expect(b?.failure?.reason).toBe('adresse inconnue (550 5.1.1)');
    expect(b?.summary).toBe('Échec : adresse inconnue (550 5.1.1)');
    expect(overallState([a!, b!])).toBe('echec');
  });

  it('an outbox that gave up fails every recipient with its error', () => {
    const lines = deriveTimeline([A, B], { outbox: 'echec', outboxError: 'certificat refusé par le serveur', readReceipt: false }, []);
    expect(lines.map((l) => l.state)).toEqual(['echec', 'echec']);
    expect(lines[0]?.failure?.reason).toBe('certificat refusé par le serveur');
  });

  it('keeps a delayed notice and lists unexpected recipients from receipts', () => {
    const lines = deriveTimeline([A], sent, [
      { recipient: A, state: 'en_attente', label: 'en attente : remise retardée, boîte pleine', at: '2026-01-01T11:00:00Z' },
      { recipient: 'alias@hopital.test-mssante.fr', state: 'remis', label: 'remis', at: '2026-01-01T11:00:00Z' },
    ]);
    expect(lines[0]?.summary).toBe('Envoyé, remise retardée (remise retardée, boîte pleine)');
    expect(lines[1]?.recipient).toBe('alias@hopital.test-mssante.fr');
    expect(lines[1]?.state).toBe('remis');
  });

  it('writes dates in French, today without « le »', () => {
    const events: ReceiptEvent[] = [{ recipient: A, state: 'lu', label: 'lu', at: '2026-01-01T12:00:00Z' }];
    expect(deriveTimeline([A], sent, events, () => 'aujourd’hui à 13:00')[0]?.summary).toBe('Lu aujourd’hui à 13:00');
    expect(deriveTimeline([A], sent, events, () => '01/01/2026 13:00')[0]?.summary).toBe('Lu le 01/01/2026 13:00');
  });

  it('dedups recipients and handles no recipient', () => {
    expect(deriveTimeline([A, A.toUpperCase()], sent, [])).toHaveLength(1);
    expect(overallState([])).toBe('en_attente');
  });
});

describe('read receipt not known', () => {
  it('says the read step depends on the request', () => {
    const [a] = deriveTimeline([A], { outbox: 'envoye', readReceipt: null }, []);
    expect(a?.steps[2]?.note).toBe('seulement si un accusé de lecture a été demandé');
    expect(a?.summary).toBe('Envoyé, en attente de l’accusé de remise');
  });
});
