/** The attachments of a message: download, and PDFs shown inline with pdf.js. */
import { useState } from 'react';
import { Icon } from '../../components/Icon.js';
import { PdfViewer } from '../../components/PdfViewer.js';
import { useAction } from '../../data/useChannel.js';
import { base64ToBytes, formatSize, isPdf, safeFilename } from './files.js';
import type { AttachmentView } from './message.js';

export function Attachments({ messageId, attachments }: { messageId: number; attachments: AttachmentView[] }) {
  return (
    <section className="mss-attachments" aria-labelledby="mss-pj-titre">
      <h3 id="mss-pj-titre" className="mss-section-title">
        {attachments.length > 1 ? `${attachments.length} pièces jointes` : 'Pièce jointe'}
      </h3>
      <ul className="mss-attachments__list">
        {attachments.map((a) => (
          <AttachmentItem key={a.index} messageId={messageId} attachment={a} />
        ))}
      </ul>
    </section>
  );
}

function AttachmentItem({ messageId, attachment: info }: { messageId: number; attachment: AttachmentView }) {
  const attachment = useAction('mss.attachment');
  const [pdf, setPdf] = useState<Uint8Array | null>(null);
  const [unreadable, setUnreadable] = useState(false);
  const busy = attachment.pending;
  const failure = unreadable ? 'La pièce jointe reçue est illisible.' : (attachment.failure?.message ?? null);
  const pdfFile = isPdf(info.contentType, info.filename);
  const name = safeFilename(info.filename);

  const fetchBytes = async (): Promise<{ bytes: Uint8Array; type: string } | null> => {
    setUnreadable(false);
    const outcome = await attachment.run({ id: messageId, index: info.index });
    if (!outcome.ok) return null;
    try {
      return { bytes: base64ToBytes(outcome.value.base64), type: outcome.value.contentType };
    } catch {
      setUnreadable(true);
      return null;
    }
  };

  const download = async () => {
    const got = await fetchBytes();
    if (!got) return;
    const url = URL.createObjectURL(new Blob([got.bytes as BlobPart], { type: got.type }));
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.rel = 'noopener';
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <li className="mss-attachment">
      <div className="mss-attachment__head">
        <Icon name="fichier" />
        <span className="mss-attachment__name">{name}</span>
        <span className="mss-attachment__size muted">{formatSize(info.size)}</span>
        <span className="mss-attachment__actions">
          {pdfFile && !pdf ? (
            <button
              type="button"
              className="button button--secondary button--small"
              disabled={busy}
              onClick={() => void fetchBytes().then((got) => got && setPdf(got.bytes))}
            >
              Afficher
              <span className="visually-hidden"> {name}</span>
            </button>
          ) : null}
          {pdf ? (
            <button type="button" className="button button--quiet button--small" onClick={() => setPdf(null)}>
              Masquer
              <span className="visually-hidden"> {name}</span>
            </button>
          ) : null}
          <button type="button" className="button button--quiet button--small" disabled={busy} onClick={() => void download()}>
            Télécharger
            <span className="visually-hidden"> {name}</span>
          </button>
        </span>
      </div>
      {failure ? <p className="text-danger">{failure}</p> : null}
      {pdf ? <PdfViewer data={pdf} title={name} /> : null}
    </li>
  );
}
