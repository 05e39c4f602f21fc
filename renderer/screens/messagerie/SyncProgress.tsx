/** The progress bar of the first sync (headers of every message fetched once). */
import { formatInteger } from '../../format.js';
import { folderLabel } from './folders.js';
import type { SyncProgressView } from './model.js';
import { progressPercent } from './windowing.js';

export function SyncProgress({ progress }: { progress: SyncProgressView | null }) {
  const percent = progress ? progressPercent(progress.done, progress.total) : null;
  const where = progress?.folder
    ? folderLabel({ path: progress.folder, name: progress.folder.split(/[/.]/).pop() ?? progress.folder, specialUse: null })
    : null;
  const text =
    progress && percent !== null
      ? `${formatInteger(progress.done)} messages sur ${formatInteger(progress.total)}${where ? ` (${where})` : ''}`
      : 'Connexion au serveur de messagerie…';
  return (
    <div className="mss-sync" role="status">
      <p className="mss-sync__title">Première synchronisation de votre messagerie</p>
      <progress className="mss-sync__bar" max={100} value={percent ?? undefined} aria-label="Progression de la synchronisation" />
      <p className="mss-sync__text">
        {text}
        {percent !== null ? ` — ${percent} %` : ''}
      </p>
      <p className="mss-sync__hint muted">
        Seuls les en-têtes sont relevés maintenant ; chaque message est téléchargé quand vous l’ouvrez.
      </p>
    </div>
  );
}
