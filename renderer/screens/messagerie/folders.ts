/**
 * Folders as the Messagerie names and orders them (pure): IMAP special-use
 * attributes (RFC 6154) and INBOX get French names and come first, in the
 * order a practitioner expects; other folders follow alphabetically.
 */

export type FolderRole = 'inbox' | 'sent' | 'drafts' | 'archive' | 'junk' | 'trash' | 'other';

export interface FolderLike {
  path: string;
  name: string;
  specialUse: string | null;
}

const roleBySpecialUse: Record<string, FolderRole> = {
  '\\Sent': 'sent',
  '\\Drafts': 'drafts',
  '\\Archive': 'archive',
  '\\All': 'archive',
  '\\Junk': 'junk',
  '\\Trash': 'trash',
};

export const roleLabels: Record<Exclude<FolderRole, 'other'>, string> = {
  inbox: 'Boîte de réception',
  sent: 'Envoyés',
  drafts: 'Brouillons',
  archive: 'Archives',
  junk: 'Indésirables',
  trash: 'Corbeille',
};

const order: FolderRole[] = ['inbox', 'sent', 'drafts', 'archive', 'junk', 'trash', 'other'];

/** Names some servers use without announcing SPECIAL-USE. */
const roleByName: Record<string, FolderRole> = {
  sent: 'sent',
  'sent items': 'sent',
  'sent messages': 'sent',
  envoyés: 'sent',
  envoyes: 'sent',
  drafts: 'drafts',
  brouillons: 'drafts',
  trash: 'trash',
  corbeille: 'trash',
  junk: 'junk',
  spam: 'junk',
  archive: 'archive',
  archives: 'archive',
};

export function folderRole(folder: FolderLike): FolderRole {
  if (folder.path.toUpperCase() === 'INBOX') return 'inbox';
  const bySpecial = folder.specialUse ? roleBySpecialUse[folder.specialUse] : undefined;
  if (bySpecial) return bySpecial;
  return roleByName[folder.name.trim().toLocaleLowerCase('fr-FR')] ?? 'other';
}

export function folderLabel(folder: FolderLike): string {
  const role = folderRole(folder);
  return role === 'other' ? folder.name : roleLabels[role];
}

/** Known roles first (in {@link order}), then the others by name (French collation). */
export function sortFolders<T extends FolderLike>(folders: readonly T[]): T[] {
  const collator = new Intl.Collator('fr-FR', { sensitivity: 'base', numeric: true });
  return [...folders].sort((a, b) => {
    const ra = order.indexOf(folderRole(a));
    const rb = order.indexOf(folderRole(b));
    return ra !== rb ? ra - rb : collator.compare(folderLabel(a), folderLabel(b));
  });
}

/** The folder to open first: the inbox, else the first one. */
export function defaultFolder<T extends FolderLike>(folders: readonly T[]): T | undefined {
  return folders.find((f) => folderRole(f) === 'inbox') ?? folders[0];
}

/** The Sent folder (where the receipts timeline is shown). */
export function sentFolder<T extends FolderLike>(folders: readonly T[]): T | undefined {
  return folders.find((f) => folderRole(f) === 'sent');
}
