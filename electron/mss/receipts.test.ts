import { describe, expect, it } from 'vitest';
import { parseDisposition, parseDsn, parseFieldGroups, parseMdn, parseReceipt, statusLabel } from './receipts.js';

const part = (contentType: string, text: string) => ({ contentType, content: Buffer.from(text) });

describe('DSN (RFC 3464)', () => {
  it('says each recipient’s outcome in French and the overall worst', () => {
    const dsn = parseDsn([
      part(
        'message/delivery-status',
        [
          'Reporting-MTA: dns; mx.example',
          'Original-Envelope-Id: env-1',
          '',
          'Final-Recipient: rfc822; a@x.mssante.fr',
          'Action: delivered',
          'Status: 2.0.0',
          '',
          'Final-Recipient: rfc822; b@x.mssante.fr',
          'Action: delayed',
          'Status: 4.4.1',
          '',
          'Final-Recipient: rfc822; c@x.mssante.fr',
          'Action: failed',
          'Status: 5.2.2',
          'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
          '',
        ].join('\r\n'),
      ),
      part('message/rfc822', 'Message-ID: <m1@x>\r\nSubject: Bonjour\r\n\r\ncorps'),
    ]);
    expect(dsn?.statut).toBe('echec');
    expect(dsn?.originalEnvelopeId).toBe('env-1');
    expect(dsn?.originalMessageId).toBe('<m1@x>');
    expect(dsn?.recipients.map((r) => r.libelle)).toEqual([
      'remis',
      'en attente : remise retardée, le serveur du destinataire ne répond pas (temporaire)',
      'échec : boîte aux lettres pleine (552 5.2.2 Mailbox full)',
    ]);
    expect(dsn?.libelle).toBe(
      'a@x.mssante.fr : remis ; b@x.mssante.fr : en attente : remise retardée, le serveur du destinataire ne répond pas (temporaire) ; c@x.mssante.fr : échec : boîte aux lettres pleine (552 5.2.2 Mailbox full)',
    );
  });

  it('copes with junk: no status part, unknown action, odd status, huge values', () => {
    expect(parseDsn([part('text/plain', 'x')])).toBeNull();
    const dsn = parseDsn([
      part(
        'message/delivery-status',
        `Final-Recipient: rfc822; a@b\nAction: exploded\nStatus: nope\nDiagnostic-Code: ${'z'.repeat(10_000)}\n`,
      ),
    ]);
    expect(dsn?.recipients[0]?.libelle).toBe('action inconnue « exploded »');
    expect(dsn?.statut).toBe('inconnu');
    expect(dsn?.recipients[0]?.diagnostic?.length).toBeLessThanOrEqual(501);
    expect(statusLabel('5.9.9')).toBe('erreur définitive');
    expect(statusLabel('4.9.9')).toBe('incident temporaire (temporaire)');
    expect(statusLabel(undefined)).toBe('raison non précisée');
  });

  it('unfolds continuation lines and keeps the first of repeated fields', () => {
    expect(parseFieldGroups('A: 1\n  suite\nA: 2\n\nB: 3')).toEqual([new Map([['a', '1 suite']]), new Map([['b', '3']])]);
  });
});

describe('MDN (RFC 8098)', () => {
  it('reads every disposition type in French', () => {
    const label = (d: string) =>
      parseMdn([part('message/disposition-notification', `Final-Recipient: rfc822;a@b\nDisposition: ${d}\n`)])?.libelle;
    expect(label('manual-action/MDN-sent-manually; displayed')).toBe('lu');
    expect(label('automatic-action/MDN-sent-automatically; deleted')).toBe('supprimé sans avoir été lu');
    expect(label('automatic-action/MDN-sent-automatically; dispatched')).toBe('transmis sans avoir été lu');
    expect(label('automatic-action/MDN-sent-automatically; processed')).toBe('traité (intégré par le logiciel du destinataire)');
    expect(label('automatic-action/MDN-sent-automatically; processed/Error: 904^INS discordant')).toBe(
      'erreur d’intégration 904 : INS discordant',
    );
    expect(label('automatic-action/MDN-sent-automatically; processed/Error: 999^Autre chose^x')).toBe(
      'erreur d’intégration 999 : Autre chose',
    );
    expect(label('n’importe quoi')).toBe('accusé de lecture illisible (« n’importe quoi »)');
  });

  it('parses the disposition field', () => {
    expect(parseDisposition('automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu^…')).toEqual({
      raw: 'automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant de patient inconnu^…',
      actionMode: 'automatic-action',
      sendingMode: 'MDN-sent-automatically',
      type: 'processed',
      modifier: 'error',
      error: { code: '902', texte: '902^Identifiant de patient inconnu^…' },
    });
  });

  it('chooses DSN or MDN by report-type', () => {
    const mdn = [
      part('message/disposition-notification', 'Disposition: manual-action/MDN-sent-manually; displayed\nOriginal-Message-ID: <x@y>'),
    ];
    expect(parseReceipt('disposition-notification', mdn)).toMatchObject({ type: 'MDN', originalMessageId: '<x@y>' });
    expect(parseReceipt('delivery-status', mdn)).toBeNull();
    expect(parseReceipt(undefined, mdn)?.type).toBe('MDN');
  });
});
