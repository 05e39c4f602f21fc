import { execFileSync, spawnSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFESSION_OID } from '../../shared/domain/practitioner.js';
import { OID, decodeKeyUsage, decodeOidSequence, findAttribute, parseCertificate } from '../../electron/identity/certificates/der.js';
import { readPkcs12 } from './pkcs12.js';
import { MANIFEST_FILE, createTestPki, identity, loadTestPki, pkiPath, rppsWithKey, type PkiManifest } from './test-pki.js';

let dir: string;
let pki: PkiManifest;
let durationMs: number;
const now = new Date();

const file = (relative: string | undefined) => fs.readFileSync(pkiPath(pki, relative!));
const openssl = (args: string[], input?: Buffer) => spawnSync('openssl', args, { input, encoding: 'utf8' });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-pki-'));
  const started = performance.now();
  pki = await createTestPki(dir, { now });
  durationMs = performance.now() - started;
  console.info(`createTestPki : ${Math.round(durationMs)} ms`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createTestPki', () => {
  it('writes its manifest and every file it names', () => {
    const onDisk = loadTestPki(dir);
    expect(onDisk).toEqual(pki);
    expect(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'))).not.toHaveProperty('dir');
    const paths = [
      ...pki.authorities.flatMap((a) => [a.certPem, a.certDer]),
      ...pki.crls.flatMap((c) => [c.der, c.pem]),
      ...pki.identities.flatMap((i) => [i.p12, i.certPem, i.signatureCertPem, i.keyPem, i.chainPem]),
    ].filter((p): p is string => p !== undefined);
    expect(paths.length).toBeGreaterThan(40);
    for (const p of paths) {
      expect(path.isAbsolute(p)).toBe(false);
      expect(fs.existsSync(pkiPath(pki, p)), p).toBe(true);
    }
    expect(pki.identities.map((i) => i.role).sort()).toEqual(
      [
        'dmp-auth',
        'dmp-signature',
        'etranger',
        'expire',
        'infirmier',
        'insi-auto',
        'insi-manu',
        'medecin',
        'revoque',
        'serveur',
        'serveur',
        'serveur',
        'serveur',
        'serveur',
      ].sort(),
    );
    expect(pki.createdAt).toBe(new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString());
  });

  it('names the authorities like IGC-Santé, under one test root', () => {
    const subjects = Object.fromEntries(pki.authorities.map((a) => [a.id, a.subject]));
    expect(subjects).toEqual({
      racine: 'CN=TEST AC RACINE IGC-SANTE,OU=IGC-SANTE TEST,O=ASIP-SANTE,C=FR',
      'fort-personnes': 'CN=TEST AC IGC-SANTE FORT PERSONNES,OU=IGC-SANTE TEST,O=ASIP-SANTE,C=FR',
      'elementaire-organisations': 'CN=TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS,OU=IGC-SANTE TEST,O=ASIP-SANTE,C=FR',
      etrangere: 'CN=TEST AC ETRANGERE PERSONNES,OU=HORS IGC-SANTE,O=AUTORITE INCONNUE,C=FR',
    });
    const root = new X509Certificate(file(pki.root.certPem));
    for (const id of ['fort-personnes', 'elementaire-organisations']) {
      const ca = new X509Certificate(file(pki.authorities.find((a) => a.id === id)!.certPem));
      expect(ca.ca).toBe(true);
      expect(ca.checkIssued(root)).toBe(true);
      expect(ca.verify(root.publicKey)).toBe(true);
    }
    const foreign = new X509Certificate(file(pki.authorities.find((a) => a.id === 'etrangere')!.certDer));
    expect(foreign.verify(foreign.publicKey)).toBe(true);
    expect(foreign.checkIssued(root)).toBe(false);
  });

  it('makes CPS-shaped cards: multi-valued RDN, idNat_PS, profession extension, two key usages', () => {
    const gp = identity(pki, 'medecin-martin');
    expect(gp.rpps).toMatch(/^\d{11}$/);
    expect(rppsWithKey(gp.rpps!.slice(0, 10))).toBe(gp.rpps);
    expect(gp.idNatPs).toBe(`8${gp.rpps}`);
    expect(gp.specialtyCode).toBe('SM26');
    const auth = parseCertificate(file(gp.certPem).toString());
    const sign = parseCertificate(file(gp.signatureCertPem).toString());
    const personal = auth.subject.find((rdn) => rdn.length > 1)!;
    expect(personal.map((a) => a.oid).sort()).toEqual([OID.commonName, OID.surname, OID.givenName].sort());
    expect(findAttribute(auth.subject, OID.commonName)).toEqual([gp.idNatPs]);
    expect(findAttribute(auth.subject, OID.title)).toEqual(['Médecin']);
    expect(auth.subject.map((rdn) => rdn.length)).toEqual([1, 1, 3]);
    // No invented specialty extension: only the profession.
    expect(auth.extensions.filter((e) => e.oid.startsWith('1.2.250.')).map((e) => [e.oid, e.value.toString('hex')])).toEqual([
      [PROFESSION_OID, '02010a'],
    ]);

    const ku = (p: typeof auth) => p.extensions.find((e) => e.oid === OID.keyUsage)!;
    expect(ku(auth).critical).toBe(true);
    expect([...decodeKeyUsage(ku(auth).value)]).toEqual(['digitalSignature']);
    expect(decodeOidSequence(auth.extensions.find((e) => e.oid === OID.extKeyUsage)!.value)).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(ku(sign).critical).toBe(true);
    expect([...decodeKeyUsage(ku(sign).value)]).toEqual(['nonRepudiation']);
    expect(auth.subjectDer.equals(sign.subjectDer)).toBe(true);
    expect(auth.serialHex).not.toBe(sign.serialHex);

    const node = new X509Certificate(file(gp.certPem));
    expect(node.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const text = openssl(['x509', '-noout', '-text', '-in', pkiPath(pki, gp.certPem!)]).stdout;
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toContain('Policy: 1.2.250.1.213.1.7.2.1.1.1.1');

    const nurse = identity(pki, 'infirmier-petit');
    expect(nurse.idNatPs).toBe(`0${nurse.adeli}`);
    const nurseCert = parseCertificate(file(nurse.certPem).toString());
    expect(nurseCert.extensions.find((e) => e.oid === PROFESSION_OID)!.value.toString('hex')).toBe('02013c'); // 60
    expect(findAttribute(nurseCert.subject, OID.title)).toEqual(['Infirmier']);
  });

  it('revokes one card in the FORT PERSONNES CRL and expires another', () => {
    const revoked = identity(pki, 'revoque-durand');
    const crl = pki.crls.find((c) => c.issuer === 'fort-personnes')!;
    expect(crl.revokedSerials).toContain(revoked.serial);
    const text = openssl(['crl', '-inform', 'DER', '-noout', '-text', '-in', pkiPath(pki, crl.der)]).stdout;
    expect(text).toContain(`Serial Number: ${revoked.serial.toUpperCase()}`);
    expect(text).toMatch(/X509v3 CRL Number: \n\s+1/);
    expect(text).toContain('Next Update:');
    // The CRL verifies with its issuer's key (openssl).
    const verified = openssl([
      'crl',
      '-inform',
      'DER',
      '-noout',
      '-in',
      pkiPath(pki, crl.der),
      '-CAfile',
      pkiPath(pki, pki.authorities.find((a) => a.id === 'fort-personnes')!.certPem!),
    ]);
    expect(verified.stderr).toContain('verify OK');
    expect(file(crl.pem).toString()).toMatch(/^-----BEGIN X509 CRL-----/);
    for (const other of pki.crls.filter((c) => c.issuer !== 'fort-personnes')) expect(other.revokedSerials).toEqual([]);

    const expired = identity(pki, 'expire-leroy');
    expect(expired.expired).toBe(true);
    expect(new Date(new X509Certificate(file(expired.certPem)).validTo).getTime()).toBeLessThan(now.getTime());
  });

  it('never writes the foreign authority where a PEM trust store would pick it up', () => {
    const pems: string[] = [];
    const walk = (d: string) => {
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(pem|crt|cer)$/i.test(entry.name)) pems.push(fs.readFileSync(full, 'latin1'));
      }
    };
    walk(dir);
    const cas = pems
      .flatMap((t) => t.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
      .map((p) => new X509Certificate(p))
      .filter((c) => c.ca);
    expect(cas.length).toBeGreaterThan(3);
    expect(cas.some((c) => c.subject.includes('ETRANGERE'))).toBe(false);
  });

  it('writes card .p12 files that OpenSSL 3 opens with and without -legacy', () => {
    const gp = identity(pki, 'medecin-martin');
    const p12 = pkiPath(pki, gp.p12!);
    for (const legacy of [[], ['-legacy']]) {
      const info = openssl(['pkcs12', ...legacy, '-info', '-in', p12, '-passin', `pass:${gp.password}`, '-nokeys']);
      expect(info.status, info.stderr).toBe(0);
      expect(info.stderr).toContain('MAC: sha256, Iteration 2048');
      expect(info.stderr.match(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/g)).toHaveLength(2);
      expect(info.stdout.match(/friendlyName: authentification/g)).toHaveLength(1);
      expect(info.stdout.match(/friendlyName: signature/g)).toHaveLength(1);
    }
    const wrong = openssl(['pkcs12', '-info', '-in', p12, '-passin', 'pass:mauvais', '-noout']);
    expect(wrong.status).not.toBe(0);
  });

  it('pairs each card key with its certificate by friendlyName and localKeyId, and keeps the exact DER', () => {
    const gp = identity(pki, 'medecin-martin');
    const content = readPkcs12(file(gp.p12), gp.password!);
    expect(content.keys.map((k) => k.friendlyName)).toEqual(['authentification', 'signature']);
    expect(content.certificates.map((c) => c.friendlyName)).toEqual(['authentification', 'signature', null, null]);
    const certPems = { authentification: gp.certPem!, signature: gp.signatureCertPem! };
    for (const key of content.keys) {
      const cert = content.certificates.find((c) => c.localKeyId === key.localKeyId)!;
      expect(cert.friendlyName).toBe(key.friendlyName);
      expect(cert.localKeyId).toBe(crypto.createHash('sha1').update(cert.der).digest('hex'));
      const onDisk = new X509Certificate(file(certPems[key.friendlyName as keyof typeof certPems]));
      expect(cert.der.equals(onDisk.raw)).toBe(true);
      // The key is the certificate's: a signature verifies with the certificate.
      const signature = crypto.sign('sha256', Buffer.from('carte'), key.keyPem);
      expect(crypto.verify('sha256', Buffer.from('carte'), onDisk.publicKey, signature)).toBe(true);
    }
    const chain = content.certificates.filter((c) => c.friendlyName === null).map((c) => new X509Certificate(c.der).subject);
    expect(chain.map((s) => s.split('\n').pop())).toEqual(['CN=TEST AC IGC-SANTE FORT PERSONNES', 'CN=TEST AC RACINE IGC-SANTE']);
    // The software certificates hold one key each.
    const insi = readPkcs12(file(identity(pki, 'insi-auto').p12), identity(pki, 'insi-auto').password!);
    expect(insi.keys.map((k) => k.friendlyName)).toEqual(['INSI-AUTO']);
    expect(insi.certificates).toHaveLength(3);
  });

  it('gives Node’s TLS (pfx) the authentication key of a card: a real mutual-TLS handshake', async () => {
    const gp = identity(pki, 'medecin-martin');
    const server = identity(pki, 'serveur-insi');
    const ca = [file(pki.root.certPem).toString()];
    const srv = tls.createServer({
      key: file(server.keyPem),
      cert: Buffer.concat([file(server.certPem), file(server.chainPem)]),
      ca: [...ca, file(pki.authorities.find((a) => a.id === 'fort-personnes')!.certPem).toString()],
      requestCert: true,
      rejectUnauthorized: true,
    });
    const peer = new Promise<string>((resolve) =>
      srv.on('secureConnection', (socket) => resolve(socket.getPeerCertificate().serialNumber.toLowerCase())),
    );
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as { port: number }).port;
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', pfx: file(gp.p12), passphrase: gp.password, ca });
    await new Promise<void>((resolve, reject) => client.once('secureConnect', resolve).once('error', reject));
    expect((await peer).replace(/^0+/, '')).toBe(gp.serial.replace(/^0+/, ''));
    client.end();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  });

  it('makes software certificates for the structure and server certificates for localhost', () => {
    const auto = identity(pki, 'insi-auto');
    expect(auto.subject).toBe('CN=INSI-AUTO,OU=499700367909006,O=CABINET MEDICAL MARTIN,ST=Paris (75),C=FR');
    expect(auto.structureId).toBe('499700367909006');
    expect(identity(pki, 'insi-manu').subject.startsWith('CN=INSI-MANU,')).toBe(true);
    const dmpSign = parseCertificate(file(identity(pki, 'dmp-signature').certPem).toString());
    expect([...decodeKeyUsage(dmpSign.extensions.find((e) => e.oid === OID.keyUsage)!.value)]).toEqual([
      'digitalSignature',
      'nonRepudiation',
    ]);

    const servers = pki.identities.filter((i) => i.role === 'serveur');
    expect(servers.map((s) => s.service)).toEqual(['insi', 'dmp', 'annuaire', 'psc', 'mss']);
    for (const s of servers) {
      const cert = new X509Certificate(file(s.certPem));
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
      expect(cert.checkPrivateKey(crypto.createPrivateKey(file(s.keyPem)))).toBe(true);
      expect((fs.statSync(pkiPath(pki, s.keyPem!)).mode & 0o777).toString(8)).toBe('600');
    }
    const verify = execFileSync(
      'openssl',
      [
        'verify',
        '-purpose',
        'sslserver',
        '-CAfile',
        pkiPath(pki, pki.root.certPem!),
        '-untrusted',
        pkiPath(pki, servers[0]!.chainPem!),
        pkiPath(pki, servers[0]!.certPem!),
      ],
      { encoding: 'utf8' },
    );
    expect(verify).toContain(': OK');
  });

  it('replaces its own files only when run again in the same folder', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'cabinet-pki-again-'));
    try {
      fs.writeFileSync(path.join(other, 'notes.txt'), 'à garder');
      const first = await createTestPki(other);
      const second = await createTestPki(other);
      expect(fs.readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('à garder');
      expect(second.root.serial).not.toBe(first.root.serial);
      expect(loadTestPki(other).root.serial).toBe(second.root.serial);
      // A folder of ours that is not from a test PKI is never replaced.
      const foreign = path.join(other, 'sans-manifeste');
      fs.mkdirSync(path.join(foreign, 'cartes'), { recursive: true });
      fs.writeFileSync(path.join(foreign, 'cartes', 'vraie-carte.txt'), 'à garder');
      await expect(createTestPki(foreign)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('qui n’appartiennent pas à une IGC de test'),
      });
      expect(fs.readdirSync(foreign).sort()).toEqual(['cartes']);
      expect(fs.readFileSync(path.join(foreign, 'cartes', 'vraie-carte.txt'), 'utf8')).toBe('à garder');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
