/**
 * Configuration files of the test operator (pure: text in, text out).
 * Dovecot 2.3 and Postfix 3.7 as Debian 12 ships them; see README.md for the
 * why of each setting and /work/shared/feasibility.md §5 for the gotchas
 * (a `{` must end its line; Postfix wants its own maillog file without
 * syslog; no chroot).
 */
import { PATIENT_MSS_DOMAIN } from '../../shared/domain/mss/address.js';

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

/**
 * Token login (XOAUTH2 / OAUTHBEARER) with a Pro Santé Connect access token:
 * Dovecot checks the token at PSC's userinfo endpoint; Postfix asks Dovecot
 * (SASL) on a submission port of its own.
 */
export interface OperatorOauth {
  /** PSC userinfo URL (`https://…/protocol/openid-connect/userinfo`). */
  userinfoUrl: string;
  /** Submission port for token logins (STARTTLS, SASL XOAUTH2 required, no client certificate needed). */
  submissionPort: number;
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
  /** Token login through Pro Santé Connect; absent: client certificates only. */
  oauth?: OperatorOauth;
}

/** Dovecot's SASL listener for Postfix, in Dovecot's base_dir. */
const SASL_LISTENER = 'auth-postfix';

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
  /** Token logins: mailbox address → idNat_PS the token must carry. */
  tokenPasswd: `${dir}/dovecot/jetons.passwd`,
  /** IMAP password logins without a valid certificate: refused with a reason. */
  noCertificatePasswd: `${dir}/dovecot/sans-certificat.passwd`,
  oauth2Conf: `${dir}/dovecot/oauth2-psc.conf.ext`,
  /** Authorities Dovecot trusts for the PSC server's certificate. */
  oauth2Ca: `${dir}/dovecot/ac-psc.pem`,
  /** Dovecot's SASL socket for Postfix. */
  saslSocket: `${dir}/dovecot/run/${SASL_LISTENER}`,
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
  /** Token submission: sender address → SASL login (idNat_PS) that owns it. */
  postfixSenderLogins: `${dir}/postfix/expediteurs-jetons`,
  tls: `${dir}/tls`,
  patients: `${dir}/patients`,
  state: `${dir}/operateur.json`,
});

/** Refuses what would break a config line (spaces, quotes, newlines, braces, `%`). */
export function assertSafePath(p: string): void {
  if (!/^\/[A-Za-z0-9._/+-]+$/.test(p)) {
    throw new Error(
      `Chemin refusé pour la configuration des serveurs de messagerie (caractères autorisés : lettres, chiffres, . _ - + /) : ${p}`,
    );
  }
}

const escapeRegexp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function dovecotConf(layout: OperatorLayout): string {
  const p = paths(layout.dir);
  const { ports, oauth } = layout;
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
auth_ssl_require_client_cert = ${oauth ? 'no' : 'yes'}
auth_ssl_username_from_cert = yes
disable_plaintext_auth = yes
auth_mechanisms = plain login external${oauth ? ' xoauth2 oauthbearer' : ''}
auth_cache_size = 0
auth_failure_delay = 0
login_trusted_networks =
verbose_ssl = no
auth_verbose = yes

# Certificate: the key is « valid-<CN> », %{cert} being « valid » only for a verified client certificate.
passdb {
  driver = passwd-file
${oauth ? '  mechanisms = plain login external\n' : ''}  args = scheme=PLAIN username_format=%{cert}-%u ${p.certPasswd}
}
${oauth ? `${NO_CERTIFICATE_PASSDB(p)}${tokenPassdbs(p)}` : ''}userdb {
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
# No auth penalty (Dovecot's delay of up to 15 s after failed logins from an IP): the tests fail logins on purpose.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
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
${oauth ? `  unix_listener ${SASL_LISTENER} {\n    mode = 0660\n    user = postfix\n    group = postfix\n  }\n` : ''}}
protocol lmtp {
  postmaster_address = postmaster@${layout.proDomains[0]}
}
protocol imap {
  mail_max_userip_connections = 50
}
`;
}

/**
 * With tokens on, a password login is no longer refused before the passdbs
 * (`auth_ssl_require_client_cert = no`). When the certificate passdb did not
 * match, this one answers IMAP (keyed by the service, `%s`) with `nologin`
 * and a reason the client sees, as the refusal used to say « certificate ».
 * Never for Postfix (service smtp): it would take `nologin` for a success.
 */
const NO_CERTIFICATE_PASSDB = (p: ReturnType<typeof paths>) => `passdb {
  driver = passwd-file
  mechanisms = plain login external
  args = username_format=%s ${p.noCertificatePasswd}
}
`;

/** Passdb templates split on spaces, hence the hyphens. */
export const NO_CERTIFICATE_REASON = 'Certificat-client-IGC-Sante-valide-exige-(carte-CPS)-ou-jeton-Pro-Sante-Connect';

export function noCertificatePasswd(): string {
  return `imap:::::::nopassword=y nologin=y reason=${NO_CERTIFICATE_REASON}\n`;
}

/**
 * Token logins: the login typed (the mailbox address) becomes the idNat_PS of
 * its owner (`noauthenticate`: nothing is checked there), then the oauth2
 * passdb asks PSC's userinfo with the token and requires its
 * `preferred_username` (the idNat_PS) to equal that login. An unknown address
 * stops there. The userdb then turns the idNat_PS back into the address.
 */
function tokenPassdbs(p: ReturnType<typeof paths>): string {
  return `passdb {
  driver = passwd-file
  mechanisms = xoauth2 oauthbearer
  args = username_format=%Lu ${p.tokenPasswd}
  result_success = continue
  result_failure = return-fail
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${p.oauth2Conf}
}
`;
}

/** Dovecot's oauth2 passdb settings: PSC userinfo, checked on every login (no cache), CA in `tls_ca_cert_file`. */
export function oauth2Conf(layout: OperatorLayout): string {
  if (!layout.oauth) throw new Error('oauth2Conf sans configuration Pro Santé Connect');
  const p = paths(layout.dir);
  return `# Pro Santé Connect (bac à sable) : généré, ne pas modifier.
introspection_mode = auth
introspection_url = ${layout.oauth.userinfoUrl}
username_attribute = preferred_username
tls_ca_cert_file = ${p.oauth2Ca}
timeout_msecs = 10000
`;
}

/** Token logins: mailbox address → idNat_PS of the practitioner whose PSC token opens it (only mailboxes that open). */
export function tokenPasswd(mailboxes: readonly ConfigMailbox[]): string {
  return mailboxes
    .filter((m) => m.opens)
    .map((m) => `${m.address}:::::::user=${m.idNatPs} noauthenticate\n`)
    .join('');
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
    .map((m) => `valid-${m.idNatPs}:::::::user=${m.address} nopassword=y\n`)
    .join('');
}

/**
 * userdb: every mailbox (a revoked card's mailbox still receives mail); with
 * `mailRoot`, also the idNat_PS of each mailbox that opens, for token logins
 * (`user=` makes the session the address, same home).
 */
export function usersPasswd(mailboxes: readonly ConfigMailbox[], mailRoot?: string): string {
  const tokens = mailRoot
    ? mailboxes
        .filter((m) => m.opens)
        .map((m) => {
          const [local, domain] = m.address.split('@') as [string, string];
          return `${m.idNatPs}:::::${mailRoot}/${domain}/${local}::user=${m.address}\n`;
        })
    : [];
  return [...mailboxes.map((m) => `${m.address}:::::::\n`), ...tokens].join('');
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
${layout.oauth ? oauthSubmission(layout) : ''}127.0.0.1:${layout.ports.smtp} inet n - n - - smtpd
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

/**
 * Submission for token logins: STARTTLS, then SASL through Dovecot (XOAUTH2
 * and OAUTHBEARER only: Dovecot's EXTERNAL cannot see Postfix's client
 * certificate); the envelope sender must be owned by the SASL login (the
 * idNat_PS) in the sender-logins table. A port of its own because nodemailer
 * tries AUTH as soon as it is offered: on the certificate port, offering it
 * would break the certificate path.
 */
function oauthSubmission(layout: OperatorLayout): string {
  const p = paths(layout.dir);
  return `127.0.0.1:${layout.oauth!.submissionPort} inet n - n - - smtpd
  -o syslog_name=postfix/submission-psc
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=${p.saslSocket}
  -o smtpd_sasl_security_options=noanonymous
  -o smtpd_sasl_tls_security_options=noanonymous
  -o smtpd_sasl_mechanism_filter=xoauth2,oauthbearer
  -o smtpd_sender_login_maps=texthash:${p.postfixSenderLogins}
  -o smtpd_reject_unlisted_recipient=no
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=reject_non_fqdn_sender,reject_sender_login_mismatch,permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=
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
  if (layout.oauth) {
    files.push({ file: p.postfixSenderLogins, text: layout.mailboxes.map((m) => (m.opens ? `${m.address} ${m.idNatPs}\n` : '')).join('') });
  }
  layout.mailboxes.forEach((m, i) => {
    if (!m.opens) return;
    files.push({
      file: p.postfixSender(i),
      text: `/^${escapeRegexp(m.address)}$/ OK\n/^/ REJECT 5.7.1 L'adresse d'expedition doit etre celle de la boite du certificat : ${m.address}\n`,
    });
  });
  return files;
}
