/**
 * « Imprimer pour le patient »: asks the services for the printable PDF
 * (identity, documents, « Votre espace santé ») and hands it to the
 * browser/Electron as a file to open and print. Nothing is left in the page.
 */
import { useAction } from '../data/useChannel.js';
import { Icon } from './Icon.js';

function download(fileName: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function PrintForPatient({ uid, small }: { uid: string; small?: boolean }) {
  const print = useAction('paper.print');
  return (
    <span className="print-for-patient">
      <button
        type="button"
        className={`button button--secondary${small ? ' button--small' : ''}`}
        disabled={print.pending}
        onClick={async () => {
          const outcome = await print.run({ uid });
          if (outcome.ok) download(outcome.value.fileName, outcome.value.pdfBase64);
        }}
      >
        <Icon name="fichier" />
        {print.pending ? 'Préparation…' : 'Imprimer pour le patient'}
      </button>
      {print.failure ? (
        <span className="text-danger" role="alert">
          {' '}
          {print.failure.message}
        </span>
      ) : null}
    </span>
  );
}
