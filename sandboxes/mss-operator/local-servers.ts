/**
 * Whether the sandbox's MSSanté test operator (Dovecot + Postfix, started by
 * `cabinet sandbox start mss`) can run on this computer: the Messagerie screen
 * says so plainly otherwise. The app never imports it: the browser host
 * passes it to the services (electron/host/sandbox-mode.ts). Kept apart from
 * processes.ts so that the host loads only this probe.
 */
import fs from 'node:fs';

export const BINARIES = {
  dovecot: '/usr/sbin/dovecot',
  postfix: '/usr/sbin/postfix',
  postconf: '/usr/sbin/postconf',
  postqueue: '/usr/sbin/postqueue',
} as const;

/** Whether Dovecot and Postfix can run here (a developer's Mac has neither). */
export function mailServersAvailable(): { ok: true } | { ok: false; message: string } {
  const missing = Object.entries(BINARIES)
    .filter(([, file]) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return false;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
  if (missing.length > 0) {
    return {
      ok: false,
      message: `L’opérateur MSSanté de test a besoin de Dovecot et de Postfix, absents de cet ordinateur (${missing.join(', ')} introuvable). Sous Debian ou Ubuntu : sudo apt-get install dovecot-imapd dovecot-lmtpd postfix. Sur macOS ou Windows, la messagerie de test n’est pas disponible.`,
    };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return {
      ok: false,
      message:
        'L’opérateur MSSanté de test doit être lancé en administrateur (root) : Postfix et Dovecot changent d’utilisateur à leur démarrage.',
    };
  }
  return { ok: true };
}
