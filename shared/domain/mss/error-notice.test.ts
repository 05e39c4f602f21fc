import { describe, expect, it } from 'vitest';
import { errorNoticeLabel, parseErrorNotice } from './error-notice.js';

describe('parseErrorNotice', () => {
  it('recognises the « courriel standard » error notice and its code', () => {
    const notice = parseErrorNotice('[Erreur d’intégration !][902] XDM/1.0/DDM+Compte rendu');
    expect(notice).toEqual({ code: '902', meaning: 'identifiant de patient inconnu', originalSubject: 'XDM/1.0/DDM+Compte rendu' });
    expect(errorNoticeLabel(notice!)).toBe('Erreur d’intégration 902 chez le destinataire : identifiant de patient inconnu');
  });

  it('accepts the straight apostrophe and the MDN variant, and an unknown code', () => {
    expect(parseErrorNotice("[Erreur d'intégration !][904] Résultats")?.meaning).toBe('INS discordant');
    expect(parseErrorNotice('[KO Intégration système !][903] XDM/1.0/DDM')?.code).toBe('903');
    expect(parseErrorNotice('[Erreur d’intégration !][999] x')?.meaning).toBe('erreur d’intégration (code 999)');
  });

  it('leaves ordinary subjects alone', () => {
    expect(parseErrorNotice('Re: [Erreur d’intégration !][902] x')).toBeNull();
    expect(parseErrorNotice('Erreur d’intégration 902')).toBeNull();
    expect(parseErrorNotice(null)).toBeNull();
  });
});
