/**
 * The practitioner's session: déconnecté → connecté ⇄ verrouillé.
 * - Lock after inactivity (setting `session.inactivityMinutes`) and at once
 *   when the card leaves the reader (the source's `present()` polled).
 * - Unlocking asks for the PIN (or .p12 password) again and re-opens the same
 *   source; the credentials themselves are dropped while locked.
 * - Logout disposes every key. PINs and passwords are never stored: they pass
 *   through `open()` and are forgotten.
 * Every transition is audited (login, failed login, lock, unlock, logout).
 * At login, lock and logout the audit chain's head is anchored: signed with
 * the practitioner's signature key while it is still open (`anchor`).
 */
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { IdentitySource, Practitioner } from '../../../shared/domain/practitioner.js';
import type { Credentials, Signer } from '../types.js';

export type SessionState = 'deconnecte' | 'connecte' | 'verrouille';

/** The refusal when nobody is logged in (`absent`) or the session is locked (`locked`): `SESSION_REQUIRED` + `details.reason`. */
export const sessionRequiredMessages = {
  absent: 'Connectez-vous avec votre carte CPS, un certificat logiciel ou e-CPS.',
  locked: 'La session est verrouillée : saisissez votre code pour continuer.',
} as const;
export type LockReason = 'inactivite' | 'carte_retiree' | 'manuel';

export const lockReasonLabels: Record<LockReason, string> = {
  inactivite: 'Session verrouillée après une période d’inactivité.',
  carte_retiree: 'Session verrouillée : la carte CPS a été retirée du lecteur.',
  manuel: 'Session verrouillée.',
};

/** A way to (re)open credentials with a secret; kept while locked so that unlock re-opens the same card or file. */
export interface CredentialOpener {
  source: IdentitySource;
  /** Human description for the lock screen: "Carte CPS — lecteur 1", "martin.p12". */
  description: string;
  open(secret: string): Promise<Credentials>;
}

export interface SessionSnapshot {
  state: SessionState;
  practitioner: Practitioner | null;
  source: IdentitySource | null;
  description: string | null;
  lockReason: LockReason | null;
  lockAfterMinutes: number;
}

export interface AuditSink {
  append(entry: { actor: string; action: string; subject?: string | null; details?: Record<string, unknown> | null }): unknown;
}

export interface SessionOptions {
  audit: AuditSink;
  inactivityMinutes: () => number;
  onChange?: (snapshot: SessionSnapshot) => void;
  clock?: () => number;
  /** How often card presence and inactivity are checked. */
  pollMs?: number;
  /** Signs a checkpoint of the audit chain with the practitioner's signature key (never throws: failures are the callee's to log). */
  anchor?: (signer: Signer, actor: string, event: 'login' | 'lock' | 'logout') => void;
}

export class Session {
  private state: SessionState = 'deconnecte';
  private credentials: Credentials | null = null;
  private opener: CredentialOpener | null = null;
  private practitioner: Practitioner | null = null;
  private lockReason: LockReason | null = null;
  private lastActivity = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;

  constructor(private readonly options: SessionOptions) {
    this.clock = options.clock ?? Date.now;
  }

  snapshot(): SessionSnapshot {
    return {
      state: this.state,
      practitioner: this.practitioner,
      source: this.opener?.source ?? null,
      description: this.opener?.description ?? null,
      lockReason: this.lockReason,
      lockAfterMinutes: this.options.inactivityMinutes(),
    };
  }

  /** The current credentials, or a French refusal when nobody is logged in or the session is locked. */
  require(): Credentials {
    if (this.state === 'connecte' && this.credentials) return this.credentials;
    const reason = this.state === 'verrouille' ? 'locked' : 'absent';
    throw new CabinetError('SESSION_REQUIRED', sessionRequiredMessages[reason], { reason });
  }

  get actor(): string {
    return this.practitioner?.idNatPs ?? 'systeme';
  }

  /** Any user action keeps the session open. */
  touch(): void {
    if (this.state === 'connecte') this.lastActivity = this.clock();
  }

  async login(opener: CredentialOpener, secret: string): Promise<SessionSnapshot> {
    if (this.state !== 'deconnecte') await this.logout('nouvelle connexion');
    let credentials: Credentials;
    try {
      credentials = await opener.open(secret);
    } catch (error) {
      this.options.audit.append({
        actor: 'systeme',
        action: 'session.login_failed',
        details: {
          source: opener.source,
          description: opener.description,
          raison: error instanceof CabinetError ? error.code : 'INTERNAL',
        },
      });
      throw error;
    }
    this.credentials = credentials;
    this.opener = opener;
    this.practitioner = credentials.practitioner;
    this.state = 'connecte';
    this.lockReason = null;
    this.lastActivity = this.clock();
    this.options.audit.append({
      actor: this.actor,
      action: 'session.login',
      details: { source: opener.source, description: opener.description },
    });
    this.anchor('login');
    this.startWatch();
    return this.changed();
  }

  lock(reason: LockReason = 'manuel'): SessionSnapshot {
    if (this.state !== 'connecte') return this.snapshot();
    try {
      this.options.audit.append({ actor: this.actor, action: 'session.lock', details: { raison: reason } });
      // Anchored before the keys are dropped (a removed card cannot sign: that lock stays unanchored).
      if (reason !== 'carte_retiree') this.anchor('lock');
    } finally {
      this.dropCredentials();
      this.state = 'verrouille';
      this.lockReason = reason;
    }
    return this.changed();
  }

  async unlock(secret: string): Promise<SessionSnapshot> {
    if (this.state !== 'verrouille' || !this.opener) throw new CabinetError('CONFLICT', 'La session n’est pas verrouillée.');
    let credentials: Credentials;
    try {
      credentials = await this.opener.open(secret);
    } catch (error) {
      this.options.audit.append({
        actor: this.actor,
        action: 'session.unlock_failed',
        details: { raison: error instanceof CabinetError ? error.code : 'INTERNAL' },
      });
      throw error;
    }
    if (credentials.practitioner.idNatPs !== this.practitioner?.idNatPs) {
      credentials.dispose();
      this.options.audit.append({ actor: this.actor, action: 'session.unlock_failed', details: { raison: 'autre_praticien' } });
      throw new CabinetError(
        'CREDENTIALS_REFUSED',
        'Cette carte appartient à un autre praticien. Déconnectez-vous pour changer de praticien.',
      );
    }
    this.credentials = credentials;
    this.state = 'connecte';
    this.lockReason = null;
    this.lastActivity = this.clock();
    this.options.audit.append({ actor: this.actor, action: 'session.unlock' });
    this.startWatch();
    return this.changed();
  }

  async logout(reason = 'demande'): Promise<SessionSnapshot> {
    if (this.state === 'deconnecte') return this.snapshot();
    const actor = this.actor;
    this.stopWatch();
    try {
      this.options.audit.append({ actor, action: 'session.logout', details: { raison: reason } });
      if (this.state === 'connecte') this.anchor('logout');
    } finally {
      this.dropCredentials();
      this.opener = null;
      this.practitioner = null;
      this.lockReason = null;
      this.state = 'deconnecte';
    }
    return this.changed();
  }

  /** One check of card presence and inactivity (also run by the timer). */
  check(): void {
    if (this.state !== 'connecte' || !this.credentials) return;
    let present: boolean;
    try {
      present = this.credentials.present();
    } catch {
      present = false;
    }
    if (!present) {
      this.lock('carte_retiree');
      return;
    }
    if (this.clock() - this.lastActivity >= this.options.inactivityMinutes() * 60_000) this.lock('inactivite');
  }

  dispose(): void {
    this.stopWatch();
    this.dropCredentials();
  }

  private anchor(event: 'login' | 'lock' | 'logout'): void {
    const signer = this.credentials?.signature;
    if (signer && this.options.anchor) this.options.anchor(signer, this.actor, event);
  }

  private dropCredentials(): void {
    try {
      this.credentials?.dispose();
    } finally {
      this.credentials = null;
    }
  }

  private startWatch(): void {
    this.stopWatch();
    this.timer = setInterval(() => this.check(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  private stopWatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private changed(): SessionSnapshot {
    const snapshot = this.snapshot();
    this.options.onChange?.(snapshot);
    return snapshot;
  }
}
