import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeServerCertificates } from '../../test/support/certs.js';
import { tempDir } from '../../test/support/fixtures.js';
import {
  assertSafePath,
  certificatePasswd,
  DEFAULT_PORTS,
  dovecotConf,
  noCertificatePasswd,
  oauth2Conf,
  paths,
  postfixMainCf,
  postfixMasterCf,
  postfixTables,
  tokenPasswd,
  usersPasswd,
  type OperatorLayout,
} from './config.js';

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
    for (const line of [
      'ssl = required',
      'ssl_verify_client_cert = yes',
      'ssl_require_crl = yes',
      'auth_ssl_require_client_cert = yes',
      'auth_ssl_username_from_cert = yes',
      'ssl_cert_username_field = commonName',
      'ssl_min_protocol = TLSv1.2',
      'mailbox_list_index = yes',
    ]) {
      expect(conf).toContain(`\n${line}\n`);
    }
    expect(conf).toContain(`port = ${DEFAULT_PORTS.imaps}\n    ssl = yes`);
  });
  it('opens every `{` at the end of its line (Dovecot refuses « Garbage after { »)', () => {
    // %{var} is a variable, not a section; comments are ignored.
    for (const line of conf.split('\n'))
      if (/(^|[^%])\{/.test(line) && !line.trimStart().startsWith('#')) expect(line.trimEnd().endsWith('{'), line).toBe(true);
  });
  it('passdb: only certificates that open a mailbox, no password, the login becomes the address', () => {
    const lines = certificatePasswd(layout().mailboxes).trim().split('\n');
    expect(lines).toHaveLength(1);
    const fields = lines[0]!.split(':');
    expect(fields).toHaveLength(8); // user:password:uid:gid:gecos:home:shell:extra_fields
    expect(fields[0]).toBe('valid-899701000012'); // keyed by %{cert}-%u: only a verified certificate finds it
    expect(conf).toContain(`username_format=%{cert}-%u ${paths('/tmp/operateur-test').certPasswd}`);
    expect(fields[1]).toBe('');
    expect(fields[7]).toBe('user=marie.martin@cabinet.test-mssante.fr nopassword=y');
    expect(
      usersPasswd(layout().mailboxes)
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['marie.martin@cabinet.test-mssante.fr', 'paul.durand@cabinet.test-mssante.fr']);
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

describe('token login (Pro Santé Connect)', () => {
  const USERINFO = 'https://127.0.0.1:19446/auth/realms/esante-wallet/protocol/openid-connect/userinfo';
  const withOauth = (dir = '/tmp/operateur-test'): OperatorLayout => ({
    ...layout(dir),
    oauth: { userinfoUrl: USERINFO, submissionPort: 19588 },
  });
  it('without PSC: certificates only, as before (no token mechanism, no SASL for Postfix)', () => {
    const conf = dovecotConf(layout());
    expect(conf).toContain('\nauth_ssl_require_client_cert = yes\n');
    expect(conf).toContain('\nauth_mechanisms = plain login external\n');
    expect(conf).not.toContain('oauth2');
    expect(postfixMasterCf(layout())).not.toContain('sasl');
    expect(postfixTables(layout()).some((t) => t.file.endsWith('/expediteurs-jetons'))).toBe(false);
  });
  it('Dovecot: the certificate passdb keeps plain/login/external; tokens go address → idNat_PS → oauth2 at PSC userinfo', () => {
    const conf = dovecotConf(withOauth());
    const p = paths('/tmp/operateur-test');
    expect(conf).toContain('\nauth_ssl_require_client_cert = no\n');
    expect(conf).toContain('\nauth_mechanisms = plain login external xoauth2 oauthbearer\n');
    const passdbs = conf
      .split('passdb {')
      .slice(1)
      .map((b) => b.slice(0, b.indexOf('\n}')));
    expect(passdbs).toHaveLength(4);
    expect(passdbs[0]).toContain('mechanisms = plain login external\n');
    expect(passdbs[0]).toContain('%{cert}-%u');
    // No verified certificate: IMAP (keyed by service, never smtp) answers nologin with a reason.
    expect(passdbs[1]).toContain('mechanisms = plain login external\n');
    expect(passdbs[1]).toContain(`username_format=%s ${p.noCertificatePasswd}`);
    expect(noCertificatePasswd()).toMatch(/^imap:::::::nopassword=y nologin=y reason=[!-~]+\n$/);
    expect(passdbs[2]).toContain('mechanisms = xoauth2 oauthbearer\n');
    expect(passdbs[2]).toContain(p.tokenPasswd);
    expect(passdbs[2]).toContain('result_success = continue\n');
    expect(passdbs[2]).toContain('result_failure = return-fail');
    expect(passdbs[3]).toContain('driver = oauth2\n');
    expect(passdbs[3]).toContain(`args = ${p.oauth2Conf}`);
    expect(conf).toContain('unix_listener auth-postfix {\n    mode = 0660\n    user = postfix');
    const o = oauth2Conf(withOauth());
    for (const line of [
      'introspection_mode = auth',
      `introspection_url = ${USERINFO}`,
      'username_attribute = preferred_username',
      `tls_ca_cert_file = ${p.oauth2Ca}`,
    ])
      expect(o).toContain(`${line}\n`);
    expect(o).not.toMatch(/^tls_ca_file/m); // Dovecot 2.3's auth process does not start with it
  });
  it('token tables: only mailboxes that open; the userdb turns the idNat_PS back into the address', () => {
    const { mailboxes } = layout();
    expect(tokenPasswd(mailboxes)).toBe('marie.martin@cabinet.test-mssante.fr:::::::user=899701000012 noauthenticate\n');
    const users = usersPasswd(mailboxes, '/tmp/operateur-test/boites').trim().split('\n');
    expect(users).toEqual([
      'marie.martin@cabinet.test-mssante.fr:::::::',
      'paul.durand@cabinet.test-mssante.fr:::::::',
      '899701000012:::::/tmp/operateur-test/boites/cabinet.test-mssante.fr/marie.martin::user=marie.martin@cabinet.test-mssante.fr',
    ]);
    const logins = postfixTables(withOauth()).find((t) => t.file.endsWith('/expediteurs-jetons'))!;
    expect(logins.text).toBe('marie.martin@cabinet.test-mssante.fr 899701000012\n');
  });
  it('Postfix: a token submission port with SASL through Dovecot (XOAUTH2/OAUTHBEARER only), sender owned by the login; the certificate port unchanged', () => {
    const master = postfixMasterCf(withOauth());
    const block = master.slice(master.indexOf('127.0.0.1:19588 inet'), master.indexOf(`127.0.0.1:${DEFAULT_PORTS.smtp} inet`));
    for (const o of [
      'smtpd_tls_security_level=encrypt',
      'smtpd_tls_auth_only=yes',
      'smtpd_sasl_auth_enable=yes',
      'smtpd_sasl_type=dovecot',
      `smtpd_sasl_path=${paths('/tmp/operateur-test').saslSocket}`,
      'smtpd_sasl_mechanism_filter=xoauth2,oauthbearer',
      'smtpd_sender_restrictions=reject_non_fqdn_sender,reject_sender_login_mismatch,permit_sasl_authenticated,reject',
      'smtpd_relay_restrictions=permit_sasl_authenticated,reject',
    ]) {
      expect(block).toContain(`  -o ${o}\n`);
    }
    const certificate = master.slice(0, master.indexOf('127.0.0.1:19588 inet'));
    expect(certificate).toContain('-o smtpd_tls_req_ccert=yes');
    expect(certificate).not.toContain('sasl');
  });
  it.skipIf(!fs.existsSync('/usr/bin/doveconf') || !fs.existsSync('/usr/sbin/postconf'))(
    'is accepted by doveconf and postconf without warnings',
    () => {
      const dir = tempDir('cabinet-mss-conf-');
      try {
        const l = withOauth(dir);
        const p = paths(dir);
        const certs = makeServerCertificates();
        fs.mkdirSync(path.dirname(l.serverCert), { recursive: true });
        fs.mkdirSync(p.dovecotDir, { recursive: true });
        fs.mkdirSync(p.postfixDir, { recursive: true });
        fs.writeFileSync(l.serverCert, certs.certPem);
        fs.writeFileSync(l.serverKey, certs.keyPem);
        fs.writeFileSync(p.dovecotCaCrl, certs.caPem);
        fs.writeFileSync(p.dovecotConf, dovecotConf(l));
        const out = execFileSync('/bin/sh', ['-c', `/usr/bin/doveconf -c ${p.dovecotConf} -n 2>&1`], { encoding: 'utf8' });
        expect(out).toContain('driver = oauth2');
        expect(out).not.toMatch(/warning/i);
        fs.writeFileSync(path.join(p.postfixDir, 'main.cf'), postfixMainCf(l));
        fs.writeFileSync(path.join(p.postfixDir, 'master.cf'), postfixMasterCf(l));
        const check = execFileSync('/bin/sh', ['-c', `/usr/sbin/postconf -c ${p.postfixDir} -M 2>&1 >/dev/null`], { encoding: 'utf8' });
        expect(check).toBe('');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('Postfix configuration', () => {
  it('submission: STARTTLS, client certificate required, sender checked against the certificate', () => {
    const master = postfixMasterCf(layout());
    expect(master).toContain(`127.0.0.1:${DEFAULT_PORTS.submission} inet n - n - - smtpd`);
    expect(master).toContain('-o smtpd_tls_security_level=encrypt');
    expect(master).toContain('-o smtpd_tls_req_ccert=yes');
    expect(master).toMatch(
      /smtpd_sender_restrictions=reject_non_fqdn_sender,check_ccert_access,texthash:\S+certificats,check_sender_access,regexp:\S+certificat-inconnu\.regexp/,
    );
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
      const check = execFileSync(
        '/bin/sh',
        ['-c', `/usr/sbin/postconf -c ${p.postfixDir} -n 2>&1 >/dev/null; /usr/sbin/postconf -c ${p.postfixDir} -M 2>&1 >/dev/null`],
        { encoding: 'utf8' },
      );
      expect(check).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('paths', () => {
  it('refuses characters that would break a configuration line', () => {
    expect(() => assertSafePath('/tmp/ok-dir_1.2')).not.toThrow();
    for (const bad of ['/tmp/a b', '/tmp/a\nb', 'relatif', '/tmp/a%b', '/tmp/a{b', '/tmp/é'])
      expect(() => assertSafePath(bad), bad).toThrow(/Chemin refusé/);
  });
});
