import { describe, expect, it } from 'vitest';
import { defaultFolder, folderLabel, folderRole, sentFolder, sortFolders } from './folders.js';

const f = (path: string, specialUse: string | null = null, name = path.split('/').pop() ?? path) => ({ path, name, specialUse });

describe('folders', () => {
  it('names special-use folders in French', () => {
    expect(folderLabel(f('INBOX'))).toBe('Boîte de réception');
    expect(folderLabel(f('Sent', '\\Sent'))).toBe('Envoyés');
    expect(folderLabel(f('Trash', '\\Trash'))).toBe('Corbeille');
    expect(folderLabel(f('Sent Items'))).toBe('Envoyés');
    expect(folderLabel(f('Dossiers/Cardiologie'))).toBe('Cardiologie');
    expect(folderRole(f('inbox'))).toBe('inbox');
  });

  it('orders inbox, sent, drafts… then others alphabetically', () => {
    const sorted = sortFolders([
      f('Zèbre'),
      f('Trash', '\\Trash'),
      f('Archives'),
      f('Sent', '\\Sent'),
      f('INBOX'),
      f('école'),
      f('Drafts', '\\Drafts'),
    ]);
    expect(sorted.map((x) => x.path)).toEqual(['INBOX', 'Sent', 'Drafts', 'Archives', 'Trash', 'école', 'Zèbre']);
  });

  it('finds the default and the sent folder', () => {
    const list = [f('Sent', '\\Sent'), f('INBOX')];
    expect(defaultFolder(list)?.path).toBe('INBOX');
    expect(sentFolder(list)?.path).toBe('Sent');
    expect(defaultFolder([])).toBeUndefined();
  });
});
