/**
 * The practitioner identity, as the rest of Cabinet sees it: who is logged
 * in, with which card or certificate, and their keys while unlocked. Built
 * once by the composition root; the IPC handlers and the CLI call it.
 */
import path from 'node:path';
import { CabinetError } from '../../shared/contract/outcome.js';
import { professionLabel, specialtyLabels, type Practitioner } from '../../shared/domain/practitioner.js';
import type { CardSlot } from './login/pkcs11.js';
import { defaultModulePath, listCards, openCard } from './login/pkcs11.js';
import { openP12, type IdentityChecks } from './login/p12.js';
import {
  lockReasonLabels,
  Session,
  type AuditSink,
  type CredentialOpener,
  type SessionOptions,
  type SessionSnapshot,
} from './login/session.js';
import type { Credentials } from './types.js';
import { VihfCache } from './vihf/cache.js';
import type { PurposeOfUse } from './vihf/vihf.js';
import { APP_NAME, APP_VERSION, DMP_APPROVAL_ID } from '../platform/version.js';

/** Activity sector put in the VIHF: SA07 « cabinet individuel » (TRE_R02). */
export const DEFAULT_ACTIVITY_SECTOR = 'SA07';

export interface SessionView extends Omit<SessionSnapshot, 'practitioner'> {
  practitioner: Practitioner | null;
  lockMessage: string | null;
}

/** Pro Santé Connect's CIBA flow, as the identity service needs it. */
export interface EcpsProvider {
  start(idNatPs: string): Promise<{ authReqId: string; bindingMessage: string; expiresAt: string; interval: number }>;
  /** 'pending' until approved on the phone; then the practitioner's credentials (tokens, no keys). */
  poll(authReqId: string): Promise<'pending' | Credentials>;
}

export interface IdentityServiceOptions {
  audit: AuditSink;
  checks: () => IdentityChecks;
  setting: <K extends 'session.inactivityMinutes' | 'identity.pkcs11Module' | 'identity.specialite' | 'identity.structure'>(
    key: K,
  ) => K extends 'session.inactivityMinutes' ? number : string;
  onChange?: (view: SessionView) => void;
  ecps?: EcpsProvider | null;
  clock?: () => number;
  /** Anchors the audit chain with the signature key at login, lock and logout (see platform/audit/anchors.ts). */
  anchor?: SessionOptions['anchor'];
}

export class IdentityService {
  readonly session: Session;
  private readonly vihfCache = new VihfCache();

  constructor(private readonly options: IdentityServiceOptions) {
    this.session = new Session({
      audit: options.audit,
      inactivityMinutes: () => options.setting('session.inactivityMinutes'),
      onChange: () => options.onChange?.(this.view()),
      clock: options.clock,
      anchor: options.anchor,
    });
  }

  /** The practitioner, completed with what the card does not carry (specialty, structure) from Réglages. */
  private complete(credentials: Credentials): Credentials {
    const p = credentials.practitioner;
    const specialtyCode = p.specialtyCode ?? (this.options.setting('identity.specialite') || undefined);
    const structureId = p.structureId ?? (this.options.setting('identity.structure') || undefined);
    credentials.practitioner = {
      ...p,
      professionLabel: p.professionLabel || professionLabel(p.professionCode),
      ...(specialtyCode ? { specialtyCode, specialtyLabel: p.specialtyLabel ?? specialtyLabels[specialtyCode] ?? specialtyCode } : {}),
      ...(structureId ? { structureId } : {}),
    };
    return credentials;
  }

  view(): SessionView {
    const snapshot = this.session.snapshot();
    return { ...snapshot, lockMessage: snapshot.lockReason ? lockReasonLabels[snapshot.lockReason] : null };
  }

  modulePath(): string | null {
    return this.options.setting('identity.pkcs11Module') || defaultModulePath();
  }

  cards(): { modulePath: string | null; moduleFound: boolean; cards: CardSlot[]; message?: string } {
    const modulePath = this.modulePath();
    if (!modulePath) {
      return {
        modulePath: null,
        moduleFound: false,
        cards: [],
        message: 'La Cryptolib CPS n’est pas installée sur ce poste (ou son emplacement n’est pas indiqué dans Réglages).',
      };
    }
    try {
      const cards = listCards(modulePath);
      return {
        modulePath,
        moduleFound: true,
        cards,
        ...(cards.length === 0 ? { message: 'Aucune carte CPS détectée : insérez votre carte dans le lecteur.' } : {}),
      };
    } catch (error) {
      const message = error instanceof CabinetError ? error.message : 'Le lecteur de carte ne répond pas.';
      return { modulePath, moduleFound: false, cards: [], message };
    }
  }

  cardOpener(modulePath: string, slotIndex: number): CredentialOpener {
    return {
      source: 'carte_cps',
      description: `Carte CPS — lecteur n° ${slotIndex + 1}`,
      open: async (pin) => this.complete(await openCard({ modulePath, slotIndex, pin, checks: this.options.checks() })),
    };
  }

  p12Opener(fileName: string, content: Buffer): CredentialOpener {
    return {
      source: 'certificat_logiciel',
      description: `Certificat logiciel — ${path.basename(fileName)}`,
      open: async (password) => this.complete(await openP12(content, password, this.options.checks())),
    };
  }

  async loginCard(slotIndex: number, pin: string): Promise<SessionView> {
    const modulePath = this.modulePath();
    if (!modulePath) throw new CabinetError('UNAVAILABLE', 'La Cryptolib CPS n’est pas installée sur ce poste.');
    await this.session.login(this.cardOpener(modulePath, slotIndex), pin);
    return this.view();
  }

  async loginP12(fileName: string, content: Buffer, password: string): Promise<SessionView> {
    await this.session.login(this.p12Opener(fileName, content), password);
    return this.view();
  }

  async ecpsStart(idNatPs: string) {
    if (!this.options.ecps) throw new CabinetError('UNAVAILABLE', 'Pro Santé Connect n’est pas configuré pour cet environnement.');
    return this.options.ecps.start(idNatPs);
  }

  async ecpsPoll(authReqId: string): Promise<{ status: 'en_attente' | 'connecte'; session?: SessionView }> {
    if (!this.options.ecps) throw new CabinetError('UNAVAILABLE', 'Pro Santé Connect n’est pas configuré pour cet environnement.');
    const result = await this.options.ecps.poll(authReqId);
    if (result === 'pending') return { status: 'en_attente' };
    const credentials = this.complete(result);
    // e-CPS: the approval on the phone is the secret; unlocking asks for a new approval.
    await this.session.login({ source: 'e_cps', description: 'e-CPS (Pro Santé Connect)', open: async () => credentials }, 'e-cps');
    return { status: 'connecte', session: this.view() };
  }

  async unlock(secret: string): Promise<SessionView> {
    if (this.session.snapshot().source === 'e_cps')
      throw new CabinetError('CONFLICT', 'Session e-CPS verrouillée : reconnectez-vous avec e-CPS.');
    await this.session.unlock(secret);
    return this.view();
  }

  lock(): SessionView {
    this.session.lock('manuel');
    return this.view();
  }

  async logout(): Promise<SessionView> {
    this.vihfCache.clear();
    await this.session.logout();
    return this.view();
  }

  /**
   * A signed VIHF for the logged-in practitioner (rebuilt after 20 minutes),
   * signed with the card's or certificate's signature key. The patient's INS
   * must already be checked as qualified by the caller (INS issue).
   */
  vihf(options: {
    purposeOfUse: PurposeOfUse;
    patientIns?: { value: string; oid: string };
    structureId?: string;
    specialtyCode?: string;
  }): string {
    const credentials = this.session.require();
    if (!credentials.signature) {
      throw new CabinetError(
        'UNAVAILABLE',
        'Une connexion e-CPS ne permet pas de signer une assertion VIHF sur ce poste : connectez-vous avec votre carte CPS ou votre certificat.',
      );
    }
    const p = { ...credentials.practitioner };
    if (options.specialtyCode)
      Object.assign(p, {
        specialtyCode: options.specialtyCode,
        specialtyLabel: specialtyLabels[options.specialtyCode] ?? options.specialtyCode,
      });
    const structureId = options.structureId || p.structureId;
    if (!structureId)
      throw new CabinetError(
        'INVALID_REQUEST',
        'Renseignez l’identifiant de votre structure dans Réglages (« Identifiant de la structure »).',
      );
    if (p.professionCode === '10' && !p.specialtyCode) {
      throw new CabinetError(
        'INVALID_REQUEST',
        'Renseignez votre spécialité dans Réglages (par exemple SM26) : le DMP l’exige pour un médecin et la carte CPS ne la contient pas.',
      );
    }
    return this.vihfCache.get(
      {
        practitioner: {
          idNatPs: p.idNatPs,
          displayName: p.displayName,
          professionCode: p.professionCode,
          professionLabel: p.professionLabel,
          ...(p.specialtyCode ? { specialtyCode: p.specialtyCode, specialtyLabel: p.specialtyLabel } : {}),
        },
        structureId,
        activitySector: DEFAULT_ACTIVITY_SECTOR,
        // The practitioner authenticated personally (card, or their own certificate): DIRECTE. INDIRECTE is for a
        // structure's certificate acting for its users, which a practitioner's session never is.
        authenticationMode: 'DIRECTE',
        purposeOfUse: options.purposeOfUse,
        software: { name: APP_NAME, version: APP_VERSION, id: `cabinet-${APP_VERSION}`, dmpApprovalId: DMP_APPROVAL_ID },
        ...(options.patientIns ? { patientIns: options.patientIns as never } : {}),
      },
      credentials.signature,
    );
  }

  dispose(): void {
    this.session.dispose();
    this.vihfCache.clear();
  }
}
