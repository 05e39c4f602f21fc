import { describe, expect, it } from 'vitest';
import { baseSubject, conversationAround, displaySubject, groupThreads, replySubject } from './threads.js';

const m = (id: number, thread: string | null, date: string | null, subject = 'Objet', messageId: string | null = `<${id}@x>`) => ({
  id,
  thread,
  date,
  subject,
  messageId,
});

describe('subjects', () => {
  it('hides the XDM prefix and piles of Re:', () => {
    expect(displaySubject('XDM/1.0/DDM+Compte rendu de consultation DUPONT Marie 01/02/1960')).toBe(
      'Compte rendu de consultation DUPONT Marie 01/02/1960',
    );
    expect(displaySubject('')).toBe('(sans objet)');
    expect(baseSubject('Re: RE : TR: Fwd: Résultats')).toBe('Résultats');
    expect(replySubject('Re: Résultats')).toBe('RE : Résultats');
    expect(replySubject('')).toBe('RE :');
  });

  it('shows the mail servers’ English delivery reports in French, and nothing else translated', () => {
    expect(displaySubject('Undelivered Mail Returned to Sender')).toBe('Avis de non-remise : message non distribué');
    expect(displaySubject('Successful Mail Delivery Report')).toBe('Avis de remise : message distribué');
    expect(displaySubject('Delivery Status Notification (Delay)')).toBe('Avis de retard : message pas encore distribué');
    expect(displaySubject('Undelivered Mail Returned to Sender — suite')).toBe('Undelivered Mail Returned to Sender — suite');
  });
});

describe('threads', () => {
  it('groups by thread key, newest conversation first, oldest message first inside', () => {
    const list = [
      m(1, '<a>', '2026-01-01T10:00:00Z', 'Bilan'),
      m(2, '<b>', '2026-01-03T10:00:00Z', 'Autre'),
      m(3, '<a>', '2026-01-04T10:00:00Z', 'Re: Bilan'),
      m(4, null, '2026-01-02T10:00:00Z', 'Seul', null),
    ];
    const groups = groupThreads(list);
    expect(groups.map((g) => g.key)).toEqual(['<a>', '<b>', '#4']);
    expect(groups[0]?.messages.map((x) => x.id)).toEqual([1, 3]);
    expect(groups[0]?.subject).toBe('Bilan');
    expect(groups[0]?.latest.id).toBe(3);
  });

  it('keeps one copy of a Message-ID found in two folders', () => {
    const groups = groupThreads([m(1, '<a>', '2026-01-01T10:00:00Z', 'x', '<same>'), m(2, '<a>', '2026-01-01T10:00:00Z', 'x', '<same>')]);
    expect(groups[0]?.messages).toHaveLength(1);
  });

  it('splits a conversation around the selected message; bad dates sort first', () => {
    const sel = m(2, '<a>', '2026-01-02T10:00:00Z');
    const around = conversationAround(sel, [
      m(1, '<a>', '2026-01-01T10:00:00Z'),
      m(3, '<a>', '2026-01-03T10:00:00Z'),
      m(4, '<z>', '2026-01-01T00:00:00Z'),
      m(5, '<a>', 'n’importe quoi'),
    ]);
    expect(around.before.map((x) => x.id)).toEqual([5, 1]);
    expect(around.after.map((x) => x.id)).toEqual([3]);
  });
});
