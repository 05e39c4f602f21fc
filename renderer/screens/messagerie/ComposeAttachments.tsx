/** « Pièces jointes » of the compose form: files read in the page (bounded by ./files.ts), listed, removable. */
import { Icon } from '../../components/Icon.js';
import { attachmentProblem, bytesToBase64, contentTypeOf, formatSize, safeFilename } from './files.js';
import type { ComposeAttachmentInput } from './model.js';

export function ComposeAttachments({
  id,
  attachments,
  error,
  disabled,
  onChange,
  onError,
}: {
  id: string;
  attachments: ComposeAttachmentInput[];
  error: string | undefined;
  disabled: boolean;
  onChange: (next: (list: ComposeAttachmentInput[]) => ComposeAttachmentInput[]) => void;
  onError: (problem: string | undefined) => void;
}) {
  const addFiles = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const files = [...list];
    const problem = attachmentProblem(files, { count: attachments.length, bytes: attachments.reduce((s, a) => s + a.size, 0) });
    if (problem) {
      onError(problem);
      return;
    }
    const read = await Promise.all(
      files.map(async (file) => ({
        filename: safeFilename(file.name),
        contentType: contentTypeOf(file),
        size: file.size,
        data: bytesToBase64(new Uint8Array(await file.arrayBuffer())),
      })),
    );
    onError(undefined);
    onChange((previous) => [...previous, ...read]);
  };

  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <p className="field__label" id={`${id}-pj-titre`}>
        Pièces jointes
      </p>
      <div className="file-picker">
        <input
          id={`${id}-pj`}
          type="file"
          multiple
          className="file-picker__input visually-hidden"
          aria-labelledby={`${id}-pj-titre`}
          disabled={disabled}
          onChange={(e) => void addFiles(e.target.files).finally(() => (e.target.value = ''))}
        />
        <label htmlFor={`${id}-pj`} className="button button--secondary button--small file-picker__button" aria-hidden="true">
          <Icon name="fichier" />
          Joindre un fichier…
        </label>
        {attachments.length === 0 ? <p className="file-picker__name file-picker__name--empty">Aucune pièce jointe</p> : null}
      </div>
      {error ? <p className="field__error">{error}</p> : null}
      {attachments.length > 0 ? (
        <ul className="mss-compose__attachments" aria-label="Pièces jointes ajoutées">
          {attachments.map((a, index) => (
            <li key={`${a.filename}-${index}`} className="mss-compose__attachment">
              <Icon name="fichier" />
              <span className="mss-compose__attachment-name">{a.filename}</span>
              <span className="muted">{formatSize(a.size)}</span>
              <button
                type="button"
                className="button button--quiet button--small"
                onClick={() => onChange((list) => list.filter((_, i) => i !== index))}
              >
                Retirer<span className="visually-hidden"> {a.filename}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
