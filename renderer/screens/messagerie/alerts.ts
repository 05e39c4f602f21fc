/**
 * New mail while Cabinet is open, wherever the practitioner is: the unread
 * count of the inbox (shown in the left navigation), a regular quiet sync, and
 * a desktop notification when mail arrives — only if the practitioner said
 * yes once (asked politely from the Messagerie screen, never at start-up).
 * Where notifications are refused (Electron denies permission requests; a
 * browser may too) nothing is shown and nothing is asked again.
 *
 * The notification never carries the sender or subject: a desktop banner can
 * be read by anyone in the consulting room.
 */
import { useEffect } from 'react';
import { cabinet } from '../../bridge/index.js';
import { invoke, useChannel } from '../../data/useChannel.js';

/** How often the inbox is checked while Cabinet is open. */
export const AUTO_SYNC_MS = 3 * 60_000;
const ASKED_KEY = 'cabinet.messagerie.notifications';

type Permission = 'default' | 'granted' | 'denied' | 'unsupported';

export function notificationPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : (Notification.permission as Permission);
}

/** Whether to offer « Être prévenu des nouveaux messages » (never after an answer, never when unsupported). */
export function shouldOfferNotifications(): boolean {
  if (notificationPermission() !== 'default') return false;
  try {
    return window.localStorage.getItem(ASKED_KEY) === null;
  } catch {
    return false;
  }
}

function remember(answer: 'oui' | 'non'): void {
  try {
    window.localStorage.setItem(ASKED_KEY, answer);
  } catch {
    /* private mode: we may ask again next time, harmless */
  }
}

/** Asks the permission (after a click); resolves to whether notifications may be shown. */
export async function askNotifications(): Promise<boolean> {
  remember('oui');
  if (notificationPermission() === 'unsupported') return false;
  try {
    return (await Notification.requestPermission()) === 'granted';
  } catch {
    return false;
  }
}

export function declineNotifications(): void {
  remember('non');
}

/** « 1 nouveau message sécurisé », « 3 nouveaux messages sécurisés ». */
export function newMailText(count: number): string {
  return count > 1 ? `${count} nouveaux messages sécurisés` : '1 nouveau message sécurisé';
}

function notify(count: number): void {
  if (notificationPermission() !== 'granted' || count <= 0) return;
  try {
    const n = new Notification('Cabinet — Messagerie', { body: newMailText(count), tag: 'cabinet-messagerie', silent: false });
    n.onclick = () => {
      window.focus();
      window.location.hash = '#/messagerie';
      n.close();
    };
  } catch {
    /* refused by the host: stay silent */
  }
}

/**
 * Mounted once in the navigation while the session is open: returns the
 * inbox's unread count, keeps it fresh, syncs every {@link AUTO_SYNC_MS}
 * and notifies new mail.
 */
export function useMailAlerts(): number {
  const { data: status, reload } = useChannel('mss.status', {}, { refreshOn: ['mssChanged', 'mssNewMail'] });
  const usable = status !== null && status.configured && status.serversAvailable;

  useEffect(() => cabinet.events.mssNewMail((payload) => notify(payload.count)), []);

  useEffect(() => {
    if (!usable) return;
    const timer = window.setInterval(() => void invoke('mss.sync').then(() => reload()), AUTO_SYNC_MS);
    return () => window.clearInterval(timer);
  }, [usable, reload]);

  return status?.unread ?? 0;
}
