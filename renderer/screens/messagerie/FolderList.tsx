/** The mailbox's folders, inbox first, with their unread counts. */
import { formatInteger } from '../../format.js';
import { folderLabel, folderRole } from './folders.js';
import type { MssFolder } from './model.js';

export function FolderList({
  folders,
  selectedId,
  onSelect,
}: {
  folders: MssFolder[];
  selectedId: number | null;
  onSelect: (folder: MssFolder) => void;
}) {
  return (
    <nav className="mss-folders" aria-label="Dossiers de messagerie">
      <ul className="mss-folders__list">
        {folders.map((folder) => {
          const label = folderLabel(folder);
          const current = folder.id === selectedId;
          return (
            <li key={folder.id}>
              <button
                type="button"
                className={`mss-folders__item mss-folders__item--${folderRole(folder)}`}
                aria-current={current ? 'true' : undefined}
                onClick={() => onSelect(folder)}
              >
                <span className="mss-folders__name">{label}</span>
                {folder.unread > 0 ? (
                  <span className="mss-folders__unread">
                    {formatInteger(folder.unread)}
                    <span className="visually-hidden"> non {folder.unread > 1 ? 'lus' : 'lu'}</span>
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
