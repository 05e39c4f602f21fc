import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeServerCertificates } from '../../../test/support/certs.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { assertSafePath, certificatePasswd, DEFAULT_PORTS, dovecotConf, paths, postfixMainCf, postfixMasterCf, postfixTables, usersPasswd, type OperatorLayout } from './config.js';

const layout = (dir = '/tmp/operateur-test'): OperatorLayout => ({
  dir,
  ports: DEFAULT_PORTS,
  proDomains: ['cabinet.test-mssante.fr', 'hopital.test-mssante.fr'],
  hostname: 'mss.test-mssante.fr',
  serverCert: `${dir}/tls/serveur.pem`,
  serverKey: `${dir}/tls/serveur-cle.pem`,
  mailboxes: [
    { address: 'marie.martin@cabinet.test-mssante.fr', idNatPs: '899701000012', fingerprint: 'AA:BB', opens: true },
    { address: 'paul.durand@cabinet.test-mssante.fr', idNatPs: '899701000020', fingerprint: 'CC:DD', opens: false },
  ],
});

describe('Dovecot configuration', () => {
  const conf = dovecotConf(layout());
  it('requires a verified client certificate (with CRLs) and takes the login from its CN', () => {
    for (const line of ['ssl = required', 'ssl_verify_client_cert = yes', 'ssl_require_crl = yes', 'auth_ssl_require_client_cert = yes', 'auth_ssl_username_from_cert = yes', 'ssl_cert_username_field = commonName', 'ssl_min_protocol = TLSv1.2', 'mailbox_list_index = yes']) {
      expect(conf).toContain(`\n${line}\n`);
    }
    expect(conf).toContain(`port = ${DEFAULT_PORTS.imaps}\n    ssl = yes`);
  });
  it('opens every `{` at the end of its line (Dovecot refuses « Garbage after { »)', () => {
    for (const line of conf.split('\n')) if (line.includes('{')) expect(line.trimEnd().endsWith('{'), line).toBe(true);
  });
  it('passdb: only certificates that open a mailbox, no password, the login becomes the address', () => {
    const lines = certificatePasswd(layout().mailboxes).trim().split('\n');
    expect(lines).toHaveLength(1);
    const fields = lines[0]!.split(':');
    expect(fields).toHaveLength(8); // user:password:uid:gid:gecos:home:shell:extra_fields
    expect(fields[0]).toBe('899701000012');
    expect(fields[1]).toBe('');
    expect(fields[7]).toBe('user=marie.martin@cabinet.test-mssante.fr nopassword=y');
    expect(usersPasswd(layout().mailboxes).trim().split('\n').map((l) => l.split(':')[0])).toEqual(['marie.martin@cabinet.test-mssante.fr', 'paul.durand@cabinet.test-mssante.fr']);
  });
  it.skipIf(!fs.existsSync('/usr/bin/doveconf'))('is accepted by doveconf', () => {
    const dir = tempDir('cabinet-mss-conf-');
    try {
      const l = layout(dir);
      const p = paths(dir);
      const certs = makeServerCertificates();
      fs.mkdirSync(path.dirname(l.serverCert), { recursive: true });
      fs.mkdirSync(p.dovecotDir, { recursive: true });
      fs.writeFileSync(l.serverCert, certs.certPem);
      fs.writeFileSync(l.serverKey, certs.keyPem);
      fs.writeFileSync(p.dovecotCaCrl, certs.caPem);
      fs.writeFileSync(p.dovecotConf, dovecotConf(l));
      const out = execFileSync('/usr/bin/doveconf', ['-c', p.dovecotConf, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toContain('auth_ssl_username_from_cert = yes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Postfix configuration', () => {
  it('submission: STARTTLS, client certificate required, sender checked against the certificate', () => {
    const master = postfixMasterCf(layout());
    expect(master).toContain(`127.0.0.1:${DEFAULT_PORTS.submission} inet n - n - - smtpd`);
    expect(master).toContain('-o smtpd_tls_security_level=encrypt');
    expect(master).toContain('-o smtpd_tls_req_ccert=yes');
    expect(master).toMatch(/smtpd_sender_restrictions=reject_non_fqdn_sender,check_ccert_access,texthash:\S+certificats,check_sender_access,regexp:\S+certificat-inconnu\.regexp/);
    // No chroot anywhere (5th column).
    for (const line of master.split('\n').filter((l) => /^\S/.test(l) && !l.startsWith('#'))) expect(line.split(/\s+/)[4], line).toBe('n');
  });
  it('routes the pro domains to Dovecot LMTP and the patient domain to the stand-in, with final-delivery DSNs', () => {
    const main = postfixMainCf(layout());
    expect(main).toContain('virtual_mailbox_domains = cabinet.test-mssante.fr hopital.test-mssante.fr');
    expect(main).toContain(`virtual_transport = lmtp:inet:127.0.0.1:${DEFAULT_PORTS.lmtp}`);
    expect(main).toContain('relay_domains = patient.mssante.fr');
    expect(main).toContain('lmtp_assume_final = yes');
    expect(main).toContain('smtpd_restriction_classes = boite_0\n');
    const tables = postfixTables(layout());
    const file = (suffix: string) => tables.find((t) => t.file.endsWith(suffix))!.text;
    expect(file('/transport')).toBe(`patient.mssante.fr lmtp:inet:127.0.0.1:${DEFAULT_PORTS.patient}\n`);
    expect(file('/certificats')).toBe('AA:BB boite_0\n'); // the revoked card has no entry
    expect(file('/expediteur-0.regexp')).toContain('/^marie\\.martin@cabinet\\.test-mssante\\.fr$/ OK\n');
    for (const t of tables) expect(/^[\x20-\x7e\n]*$/.test(t.text), t.file).toBe(true);
  });
  it.skipIf(!fs.existsSync('/usr/sbin/postconf'))('is accepted by postconf without warnings', () => {
    const dir = tempDir('cabinet-mss-conf-');
    try {
      const l = layout(dir);
      const p = paths(dir);
      fs.mkdirSync(p.postfixDir, { recursive: true });
      fs.writeFileSync(path.join(p.postfixDir, 'main.cf'), postfixMainCf(l));
      fs.writeFileSync(path.join(p.postfixDir, 'master.cf'), postfixMasterCf(l));
      const main = execFileSync('/usr/sbin/postconf', ['-c', p.postfixDir, '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(main).toContain('lmtp_assume_final = yes');
      const check = execFileSync('/bin/sh', ['-c', `/usr/sbin/postconf -c ${p.postfixDir} -n 2>&1 >/dev/null; /usr/sbin/postconf -c ${p.postfixDir} -M 2>&1 >/dev/null`], { encoding: 'utf8' });
      expect(check).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('paths', () => {
  it('refuses characters that would break a configuration line', () => {
    expect(() => assertSafePath('/tmp/ok-dir_1.2')).not.toThrow();
    for (const bad of ['/tmp/a b', '/tmp/a\nb', 'relatif', '/tmp/a%b', '/tmp/a{b', '/tmp/é']) expect(() => assertSafePath(bad), bad).toThrow(/Chemin refusé/);
  });
});
