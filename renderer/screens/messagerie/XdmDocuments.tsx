/**
 * The health documents an XDM archive carried: their patient match (a
 * qualified identity of this post carrying the document's INS), « Importer
 * dans le dossier », and the PDF shown inline.
 */
import { useState } from 'react';
import { Icon } from '../../components/Icon.js';
import { patientName } from '../../components/PatientName.js';
import { PdfViewer } from '../../components/PdfViewer.js';
import { useAction, useChannel } from '../../data/useChannel.js';
import { formatWhen } from '../../format.js';
import { patientHrefs } from '../../routes.js';
import { formatInsValue } from './address.js';
import { base64ToBytes } from './files.js';
import type { MssDocument } from './model.js';

export function XdmDocuments({ documents, onChanged }: { documents: MssDocument[]; onChanged: () => void }) {
  return (
    <section className="mss-documents" aria-labelledby="mss-documents-titre">
      <h3 id="mss-documents-titre" className="mss-section-title">
        {documents.length > 1 ? `${documents.length} documents de santé joints` : 'Document de santé joint'}
      </h3>
      <ul className="mss-documents__list">
        {documents.map((doc) => (
          <DocumentItem key={doc.id} doc={doc} onChanged={onChanged} />
        ))}
      </ul>
    </section>
  );
}

function DocumentItem({ doc, onChanged }: { doc: MssDocument; onChanged: () => void }) {
  const importDocument = useAction('mss.importDocument');
  const documentPdf = useAction('mss.documentPdf');
  const [pdf, setPdf] = useState<Uint8Array | null>(null);
  const matched = doc.patientUid !== null;
  // Name the recognised patient (a qualified identity of this post).
  const { data: patient } = useChannel('patients.get', doc.patientUid ? { uid: doc.patientUid } : null);
  const who = patient ? patientName(patient) : null;
  const busy = importDocument.pending;
  const failure = importDocument.failure ?? documentPdf.failure;

  const importIt = async () => {
    documentPdf.clear();
    const outcome = await importDocument.run({ documentId: doc.id });
    if (outcome.ok) onChanged();
  };

  const show = async () => {
    importDocument.clear();
    const outcome = await documentPdf.run({ documentId: doc.id });
    if (outcome.ok) setPdf(base64ToBytes(outcome.value.base64));
  };

  return (
    <li className="mss-document">
      <div className="mss-document__head">
        <Icon name="fichier" />
        <span className="mss-document__title">{doc.title ?? 'Document sans titre'}</span>
        {doc.state === 'importe' ? (
          <span className="badge badge--success">Importé dans le dossier</span>
        ) : matched ? (
          <span className="badge badge--success">Patient reconnu</span>
        ) : (
          <span className="badge badge--warning">À rapprocher</span>
        )}
      </div>
      <p className="mss-document__patient">
        {doc.ins ? (
          <>
            INS du document : <span className="ins-number">{formatInsValue(doc.ins)}</span>.{' '}
          </>
        ) : (
          'Le document ne porte pas d’INS. '
        )}
        {doc.state === 'importe' && doc.patientUid ? (
          <>
            Importé {doc.importedAt ? formatWhen(doc.importedAt) : ''} dans le dossier de{' '}
            <a href={patientHrefs.patient(doc.patientUid)}>{who ?? 'ce patient'}</a>.
          </>
        ) : matched && doc.patientUid ? (
          <>
            Il correspond à l’identité qualifiée de <a href={patientHrefs.patient(doc.patientUid)}>{who ?? 'un patient de ce poste'}</a>.
          </>
        ) : (
          'Aucune identité qualifiée de ce poste ne porte cet INS : qualifiez l’identité du patient (Patients), puis revenez l’importer.'
        )}
      </p>
      <div className="cluster">
        {doc.state !== 'importe' ? (
          <button
            type="button"
            className="button button--primary button--small"
            disabled={!matched || busy}
            onClick={() => void importIt()}
          >
            {busy ? 'Import…' : 'Importer dans le dossier'}
          </button>
        ) : null}
        {doc.hasPdf && !pdf ? (
          <button type="button" className="button button--secondary button--small" onClick={() => void show()}>
            Afficher le PDF
          </button>
        ) : null}
      </div>
      {failure ? <p className="text-danger">{failure.message}</p> : null}
      {pdf ? <PdfViewer data={pdf} title={doc.title ?? 'Document'} /> : null}
    </li>
  );
}
