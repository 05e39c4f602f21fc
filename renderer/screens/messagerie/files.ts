/**
 * Attachments in the renderer (pure): sizes in French, base64 both ways
 * (the contract carries file bytes as base64), the limits of a compose, and
 * which attachments can be shown inline (PDF only; never HTML).
 */

/** What MSSanté operators commonly accept (10 MB of attachments); base64 adds a third on the wire. */
export const MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS = 20;

/** « 812 octets », « 12 Ko », « 1,4 Mo » (1 Ko = 1024 octets, like the file managers). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'taille inconnue';
  if (bytes < 1024) return `${bytes} octet${bytes > 1 ? 's' : ''}`;
  const fmt = (n: number) => n.toLocaleString('fr-FR', { maximumFractionDigits: n < 10 ? 1 : 0 });
  if (bytes < 1024 * 1024) return `${fmt(bytes / 1024)} Ko`;
  return `${fmt(bytes / (1024 * 1024))} Mo`;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/** Throws on a string that is not base64. */
export function base64ToBytes(value: string): Uint8Array {
  const binary = atob(value.replace(/\s+/g, ''));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function isPdf(contentType: string, filename: string): boolean {
  return /^application\/pdf\b/i.test(contentType) || (/^application\/octet-stream\b/i.test(contentType) && /\.pdf$/i.test(filename));
}

/** A file name safe to offer for download: no path, no control characters, not empty. */
export function safeFilename(name: string, fallback = 'piece-jointe'): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\p{Cc}\p{Cf}<>:"|?*]+/gu, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 150);
  return clean || fallback;
}

export interface PickedFile {
  name: string;
  size: number;
  type: string;
}

/** Why these files cannot be attached (French), or null. `existing`: bytes already attached. */
export function attachmentProblem(files: readonly PickedFile[], existing: { count: number; bytes: number }): string | null {
  if (existing.count + files.length > MAX_ATTACHMENTS) return `Au plus ${MAX_ATTACHMENTS} pièces jointes par message.`;
  const empty = files.find((f) => f.size === 0);
  if (empty) return `« ${safeFilename(empty.name)} » est vide.`;
  const total = existing.bytes + files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_ATTACHMENTS_BYTES)
    return `Pièces jointes trop volumineuses (${formatSize(total)} ; au plus ${formatSize(MAX_ATTACHMENTS_BYTES)} par message).`;
  return null;
}

/** The content type to declare for a picked file (browsers leave it empty for unknown types). */
export function contentTypeOf(file: PickedFile): string {
  if (/^[\w.+-]+\/[\w.+-]+$/.test(file.type)) return file.type;
  if (/\.pdf$/i.test(file.name)) return 'application/pdf';
  if (/\.xml$/i.test(file.name)) return 'application/xml';
  if (/\.zip$/i.test(file.name)) return 'application/zip';
  if (/\.txt$/i.test(file.name)) return 'text/plain';
  if (/\.jpe?g$/i.test(file.name)) return 'image/jpeg';
  if (/\.png$/i.test(file.name)) return 'image/png';
  return 'application/octet-stream';
}
