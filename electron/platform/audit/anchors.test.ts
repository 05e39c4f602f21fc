/**
 * The anchors file's own rules (the tampering of the database itself, with the
 * real keychain, card and trust store, is in test/integration/audit-anchors.test.ts).
 */
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeServerCertificates } from '../../../test/support/certs.js';
import { freshStore } from '../../../test/support/store.js';
import { AuditLog } from './audit-log.js';
import { ANCHOR_ACTION, AuditAnchors, checkpointBytes, type AnchorLine, type ChainCheck, type CheckpointSigner } from './anchors.js';

let signer: CheckpointSigner;
let trusted: ChainCheck;
let stores: ReturnType<typeof freshStore>[] = [];

beforeAll(() => {
  const certs = makeServerCertificates('Signataire de test');
  const key = createPrivateKey(certs.keyPem);
  signer = { certificatePem: certs.certPem, chainPem: [certs.caPem], sign: (data) => sign('sha256', data, key) };
  const fingerprint = new X509Certificate(certs.certPem).fingerprint256;
  // Trusts this one certificate only.
  trusted = async (leaf) => {
    if (new X509Certificate(leaf).fingerprint256 !== fingerprint) throw new Error('autorité de certification inconnue');
  };
});

afterEach(() => {
  for (const store of stores) store.dispose();
  stores = [];
});

function setup() {
  const store = freshStore();
  stores.push(store);
  const audit = new AuditLog(store.db);
  const anchors = new AuditAnchors(store.db, store.dataDir, store.storeId);
  const checkpoint = () =>
    anchors.checkpoint(signer, '899701000012', 'login', (count) =>
      audit.append({ actor: '899701000012', action: ANCHOR_ACTION, details: { count, evenement: 'login' } }),
    );
  const lines = () => fs.readFileSync(anchors.file, 'utf8').trim().split('\n');
  const write = (content: string[]) => fs.writeFileSync(anchors.file, content.join('\n') + '\n');
  const verify = () => anchors.verify(audit.verify().count, trusted);
  return { audit, anchors, checkpoint, lines, write, verify, store };
}

describe('audit anchors', () => {
  it('writes nothing for an empty journal, and says « aucun point d’ancrage » until the first one', async () => {
    const { checkpoint, verify, audit } = setup();
    expect(checkpoint()).toBeNull();
    audit.append({ actor: 'systeme', action: 'app.start' });
    expect((await verify()).warnings[0]).toMatch(/^aucun point d’ancrage/);
  });

  it('anchors the head and reports the entries after it', async () => {
    const { checkpoint, verify, audit, anchors } = setup();
    audit.append({ actor: 'systeme', action: 'app.start' });
    expect(checkpoint()).toMatchObject({ count: 1, headId: 1, actor: '899701000012', event: 'login' });
    audit.append({ actor: 'systeme', action: 'patient.read' });
    const report = await verify();
    expect(report).toMatchObject({ checkpoints: 1, problems: [], last: { count: 1 }, unanchored: 2 });
    expect(report.warnings).toEqual(['2 entrées après le dernier point d’ancrage (pas encore attestées par une signature)']);
    expect(fs.statSync(anchors.file).mode & 0o777).toBe(0o600);
  });

  it('reports an illegible line, a line of another database, an oversized line, and a signer outside the trust store', async () => {
    const { checkpoint, verify, audit, lines, write } = setup();
    audit.append({ actor: 'systeme', action: 'app.start' });
    checkpoint();
    const good = lines()[0]!;
    const parsed = JSON.parse(good) as AnchorLine;
    const other = { ...parsed, checkpoint: { ...parsed.checkpoint, storeId: 'f'.repeat(32) } };
    other.signature = signer.sign(checkpointBytes(other.checkpoint), 'RSA-SHA256').toString('base64');
    const stranger = makeServerCertificates('Autre signataire');
    const strangerLine = {
      ...parsed,
      certificate: stranger.certPem,
      chain: [stranger.caPem],
      signature: sign('sha256', checkpointBytes(parsed.checkpoint), createPrivateKey(stranger.keyPem)).toString('base64'),
    };
    write([good, '{"checkpoint":', JSON.stringify(other), 'x'.repeat(70 * 1024), JSON.stringify(strangerLine)]);
    const report = await verify();
    expect(report.problems).toEqual([
      'point d’ancrage n° 2 illisible (fichier modifié)',
      'point d’ancrage n° 3 : il appartient à une autre base de données',
      'point d’ancrage n° 4 : ligne trop longue',
      'point d’ancrage n° 5 : certificat du signataire non reconnu (autorité de certification inconnue)',
    ]);
    expect(report.checkpoints).toBe(1);
  });

  it('a checkpoint counting fewer entries than the one before means an older copy was put back', async () => {
    const { checkpoint, verify, audit, lines, write } = setup();
    audit.append({ actor: 'systeme', action: 'app.start' });
    checkpoint();
    checkpoint();
    const [first, second] = lines();
    write([second!, first!]);
    expect((await verify()).problems).toEqual([
      expect.stringMatching(
        /^point d’ancrage n° 2 : il compte 1 entrées, moins que le précédent \(2\) — journal remplacé par une copie plus ancienne$/,
      ),
    ]);
  });
});
