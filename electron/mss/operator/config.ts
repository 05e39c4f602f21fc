/**
 * Configuration files of the test operator (pure: text in, text out).
 * Dovecot 2.3 and Postfix 3.7 as Debian 12 ships them; see README.md for the
 * why of each setting and /work/shared/feasibility.md §5 for the gotchas
 * (a `{` must end its line; Postfix wants its own maillog file without
 * syslog; no chroot).
 */
import { PATIENT_MSS_DOMAIN } from '../../../shared/domain/mss/address.js';

export interface OperatorPorts {
  /** IMAP over implicit TLS (imaps). */
  imaps: number;
  /** IMAP with STARTTLS (TLS required before any login). */
  imap: number;
  /** Submission with STARTTLS and a required client certificate. */
  submission: number;
  /** The operator's inbound SMTP (what other operators, here Mon espace santé, deliver to). No client certificate, no relay. */
  smtp: number;
  /** Dovecot LMTP (delivery into the mailboxes). */
  lmtp: number;
  /** The Mon espace santé stand-in (LMTP, from Postfix). */
  patient: number;
}

export const DEFAULT_PORTS: OperatorPorts = { imaps: 19993, imap: 19143, submission: 19587, smtp: 19025, lmtp: 19024, patient: 19026 };

/** Debian's `mail` user and group (uid/gid 8) own the Maildirs: no account to create. */
export const MAIL_USER = 'mail';
export const MAIL_UID = 8;

export interface ConfigMailbox {
  address: string;
  idNatPs: string;
  /** SHA-256 fingerprint of the authentication certificate, `AB:CD:…` (Postfix's format). */
  fingerprint: string;
  /** False for a revoked, expired or foreign certificate: no entry in Postfix's certificate table. */
  opens: boolean;
}

export interface OperatorLayout {
  /** Absolute root folder; every other path is under it. */
  dir: string;
  ports: OperatorPorts;
  proDomains: readonly string[];
  mailboxes: readonly ConfigMailbox[];
  /** Server certificate + chain, and key (files under dir). */
  serverCert: string;
  serverKey: string;
  hostname: string;
}

export const paths = (dir: string) => ({
  dovecotDir: `${dir}/dovecot`,
  dovecotConf: `${dir}/dovecot/dovecot.conf`,
  dovecotRun: `${dir}/dovecot/run`,
  dovecotState: `${dir}/dovecot/state`,
  dovecotLog: `${dir}/dovecot/dovecot.log`,
  dovecotPid: `${dir}/dovecot/run/master.pid`,
  /** Trusted authorities for client certificates, followed by their CRLs. */
  dovecotCaCrl: `${dir}/dovecot/ac-et-crl.pem`,
  certPasswd: `${dir}/dovecot/certificats.passwd`,
  usersPasswd: `${dir}/dovecot/boites.passwd`,
  mailRoot: `${dir}/boites`,
  postfixDir: `${dir}/postfix`,
  postfixQueue: `${dir}/postfix/queue`,
  postfixData: `${dir}/postfix/data`,
  postfixLog: `${dir}/postfix/maillog`,
  postfixPid: `${dir}/postfix/queue/pid/master.pid`,
  postfixCa: `${dir}/postfix/ac.pem`,
  postfixMailboxes: `${dir}/postfix/boites`,
  postfixTransport: `${dir}/postfix/transport`,
  postfixCerts: `${dir}/postfix/certificats`,
  postfixUnknownCert: `${dir}/postfix/certificat-inconnu.regexp`,
  postfixSender: (n: number) => `${dir}/postfix/expediteur-${n}.regexp`,
  tls: `${dir}/tls`,
  patients: `${dir}/patients`,
  state: `${dir}/operateur.json`,
});

/** Refuses what would break a config line (spaces, quotes, newlines, braces, `%`). */
export function assertSafePath(p: string): void {
  if (!/^\/[A-Za-z0-9._/+-]+$/.test(p)) {
    throw new Error(`Chemin refusé pour la configuration des serveurs de messagerie (caractères autorisés : lettres, chiffres, . _ - + /) : ${p}`);
  }
}

const escapeRegexp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function dovecotConf(layout: OperatorLayout): string {
  const p = paths(layout.dir);
  const { ports } = layout;
  return `# Opérateur MSSanté de test (Cabinet) : généré, ne pas modifier.
base_dir = ${p.dovecotRun}
state_dir = ${p.dovecotState}
log_path = ${p.dovecotLog}
instance_name = cabinet-mss-${ports.imaps}
listen = 127.0.0.1
protocols = imap lmtp
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = ${MAIL_UID}
first_valid_gid = ${MAIL_UID}
mail_uid = ${MAIL_USER}
mail_gid = ${MAIL_USER}
mail_location = maildir:~/Maildir
mailbox_list_index = yes
mail_fsync = never

ssl = required
ssl_min_protocol = TLSv1.2
ssl_cert = <${layout.serverCert}
ssl_key = <${layout.serverKey}
ssl_ca = <${p.dovecotCaCrl}
ssl_verify_client_cert = yes
ssl_require_crl = yes
ssl_cert_username_field = commonName
auth_ssl_require_client_cert = yes
auth_ssl_username_from_cert = yes
disable_plaintext_auth = yes
auth_mechanisms = plain login external
auth_cache_size = 0
auth_failure_delay = 0
login_trusted_networks =
verbose_ssl = no
auth_verbose = yes

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${p.certPasswd}
}
userdb {
  driver = passwd-file
  args = username_format=%Lu ${p.usersPasswd}
  default_fields = uid=${MAIL_USER} gid=${MAIL_USER} home=${p.mailRoot}/%Ld/%Ln
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${ports.imaps}
    ssl = yes
  }
  process_min_avail = 1
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${ports.lmtp}
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
protocol lmtp {
  postmaster_address = postmaster@${layout.proDomains[0]}
}
protocol imap {
  mail_max_userip_connections = 50
}
`;
}

/**
 * passdb keyed by the certificate's CN (idNat_PS): no password is checked
 * (`nopassword`): the verified certificate is the authentication, and
 * `user=` turns the login into the mailbox address. Only certificates that
 * open a mailbox are listed.
 */
export function certificatePasswd(mailboxes: readonly ConfigMailbox[]): string {
  return mailboxes
    .filter((m) => m.opens)
    .map((m) => `${m.idNatPs}:::::::user=${m.address} nopassword=y\n`)
    .join('');
}

/** userdb: every mailbox (a revoked card's mailbox still receives mail). */
export function usersPasswd(mailboxes: readonly ConfigMailbox[]): string {
  return mailboxes.map((m) => `${m.address}:::::::\n`).join('');
}

export function postfixMainCf(layout: OperatorLayout): string {
  const p = paths(layout.dir);
  const classes = layout.mailboxes.map((m, i) => (m.opens ? `boite_${i}` : '')).filter(Boolean);
  return `# Opérateur MSSanté de test (Cabinet) : généré, ne pas modifier.
compatibility_level = 3.6
queue_directory = ${p.postfixQueue}
data_directory = ${p.postfixData}
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${p.postfixLog}
maillog_file_prefixes = ${layout.dir}
myhostname = ${layout.hostname}
mydomain = test-mssante.fr
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
disable_dns_lookups = yes
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 pas de distribution locale sur cet operateur
biff = no
append_dot_mydomain = no
recipient_delimiter =
smtputf8_enable = no
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 60s
smtpd_banner = $myhostname ESMTP operateur MSSante de test

virtual_mailbox_domains = ${layout.proDomains.join(' ')}
virtual_mailbox_maps = texthash:${p.postfixMailboxes}
virtual_alias_maps =
virtual_transport = lmtp:inet:127.0.0.1:${layout.ports.lmtp}
relay_domains = ${PATIENT_MSS_DOMAIN}
relay_recipient_maps =
transport_maps = texthash:${p.postfixTransport}
lmtp_tls_security_level = none
smtp_tls_security_level = none
lmtp_destination_recipient_limit = 1
lmtp_assume_final = yes

smtpd_tls_cert_file = ${layout.serverCert}
smtpd_tls_key_file = ${layout.serverKey}
smtpd_tls_CAfile = ${p.postfixCa}
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
smtpd_tls_security_level = may
smtpd_delay_reject = yes
smtpd_helo_required = yes
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unlisted_recipient
message_size_limit = 26214400

smtpd_restriction_classes = ${classes.join(' ')}
${layout.mailboxes.map((m, i) => (m.opens ? `boite_${i} = check_sender_access regexp:${p.postfixSender(i)}\n` : '')).join('')}`;
}

export function postfixMasterCf(layout: OperatorLayout): string {
  const p = paths(layout.dir);
  return `# Opérateur MSSanté de test (Cabinet) : généré, ne pas modifier. Aucun service en chroot.
127.0.0.1:${layout.ports.submission} inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_ask_ccert=yes
  -o smtpd_tls_req_ccert=yes
  -o smtpd_reject_unlisted_recipient=no
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=reject_non_fqdn_sender,check_ccert_access,texthash:${p.postfixCerts},check_sender_access,regexp:${p.postfixUnknownCert}
  -o smtpd_relay_restrictions=permit_tls_all_clientcerts,reject
  -o smtpd_recipient_restrictions=
127.0.0.1:${layout.ports.smtp} inet n - n - - smtpd
  -o syslog_name=postfix/mx
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

/** Postfix tables: mailboxes, transport, certificate → restriction class, sender checks. */
export function postfixTables(layout: OperatorLayout): { file: string; text: string }[] {
  const p = paths(layout.dir);
  const files: { file: string; text: string }[] = [
    { file: p.postfixMailboxes, text: layout.mailboxes.map((m) => `${m.address} OK\n`).join('') },
    { file: p.postfixTransport, text: `${PATIENT_MSS_DOMAIN} lmtp:inet:127.0.0.1:${layout.ports.patient}\n` },
    {
      file: p.postfixCerts,
      text: layout.mailboxes.map((m, i) => (m.opens ? `${m.fingerprint} boite_${i}\n` : '')).join(''),
    },
    {
      file: p.postfixUnknownCert,
      // ASCII only: SMTP replies are 7-bit.
      text: '/^/ REJECT 5.7.1 Certificat sans boite aux lettres sur cet operateur (revoque ou inconnu)\n',
    },
  ];
  layout.mailboxes.forEach((m, i) => {
    if (!m.opens) return;
    files.push({
      file: p.postfixSender(i),
      text: `/^${escapeRegexp(m.address)}$/ OK\n/^/ REJECT 5.7.1 L'adresse d'expedition doit etre celle de la boite du certificat : ${m.address}\n`,
    });
  });
  return files;
}
