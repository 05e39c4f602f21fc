/**
 * A PDF shown inline with pdf.js (`pdfjs-dist`), under the app's strict CSP:
 * the worker is bundled by Vite (`?worker`, an ES module served from the
 * app's own origin, allowed by `script-src 'self'`), no eval (pdf.js 6 has
 * none left), no WebAssembly, no XFA, no scripting, no annotation
 * layer (no links), nothing fetched: the bytes are handed over in memory.
 *
 * Pages are drawn on canvases, one after the other, at the width of the
 * viewer (zoom buttons around it); long documents show their first pages
 * and a button for the next ones.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type * as PdfJsModule from 'pdfjs-dist';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { Alert } from './Alert.js';
import { Icon } from './Icon.js';

/** Pages drawn before « Afficher les pages suivantes ». */
const PAGES_PER_STEP = 10;
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;
/** Images larger than this (pixels) are not drawn: a hostile PDF cannot eat the memory. */
const MAX_IMAGE_PIXELS = 40_000_000;

type PdfJs = typeof PdfJsModule;
let pdfjsPromise: Promise<PdfJs> | null = null;

/** pdf.js and its worker, loaded once, on first use (a separate chunk of the bundle). */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?worker')]).then(([pdfjs, worker]) => {
    if (!pdfjs.GlobalWorkerOptions.workerPort) pdfjs.GlobalWorkerOptions.workerPort = new worker.default({ name: 'pdfjs' });
    return pdfjs;
  });
  return pdfjsPromise;
}

function failureText(error: unknown): string {
  const name = error && typeof error === 'object' && 'name' in error ? String((error as { name: unknown }).name) : '';
  if (name === 'PasswordException') return 'Ce PDF est protégé par un mot de passe : il ne peut pas être affiché ici.';
  if (name === 'InvalidPDFException') return 'Ce fichier PDF est illisible ou endommagé.';
  if (name === 'ResponseException' || name === 'UnknownErrorException') return 'Ce PDF n’a pas pu être lu.';
  return 'Ce PDF n’a pas pu être affiché.';
}

export function PdfViewer({ data, title }: { data: Uint8Array; title: string }) {
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [zoom, setZoom] = useState(1);
  const [shown, setShown] = useState(PAGES_PER_STEP);
  const id = useId();

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | null = null;
    setDoc(null);
    setError(null);
    setShown(PAGES_PER_STEP);
    void loadPdfJs()
      .then((pdfjs) => {
        if (cancelled) return null;
        const task = pdfjs.getDocument({
          // pdf.js transfers the buffer to its worker: give it a copy.
          data: data.slice(),
          // No `isEvalSupported` here: pdf.js 6 removed the option together with its last `new Function`
          // (PostScript functions are interpreted), so nothing in it needs `unsafe-eval`.
          useWasm: false,
          enableXfa: false,
          stopAtErrors: false,
          maxImageSize: MAX_IMAGE_PIXELS,
          disableAutoFetch: true,
          disableStream: true,
        });
        destroy = () => void task.destroy();
        return task.promise;
      })
      .then((loaded) => {
        if (!cancelled && loaded) setDoc(loaded);
      })
      .catch((reason: unknown) => {
        if (!cancelled) setError(failureText(reason));
      });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [data]);

  if (error) {
    return (
      <Alert tone="error" title="Affichage du PDF impossible">
        {error}
      </Alert>
    );
  }
  if (!doc) {
    return (
      <p className="muted pdf-viewer__loading" role="status">
        Ouverture du PDF…
      </p>
    );
  }

  const pages = Array.from({ length: Math.min(doc.numPages, shown) }, (_, i) => i + 1);
  const zoomIndex = ZOOMS.indexOf(zoom as (typeof ZOOMS)[number]);
  return (
    <div className="pdf-viewer">
      <div className="pdf-viewer__toolbar" role="toolbar" aria-label={`Affichage de ${title}`} aria-controls={`${id}-pages`}>
        <span className="pdf-viewer__count">{doc.numPages > 1 ? `${doc.numPages} pages` : '1 page'}</span>
        <button
          type="button"
          className="button button--quiet button--small"
          disabled={zoomIndex <= 0}
          onClick={() => setZoom(ZOOMS[Math.max(0, zoomIndex - 1)] ?? 1)}
        >
          <span aria-hidden="true">−</span>
          <span className="visually-hidden">Réduire</span>
        </button>
        <span className="pdf-viewer__zoom" aria-live="polite">
          {Math.round(zoom * 100)} %
        </span>
        <button
          type="button"
          className="button button--quiet button--small"
          disabled={zoomIndex >= ZOOMS.length - 1}
          onClick={() => setZoom(ZOOMS[Math.min(ZOOMS.length - 1, zoomIndex + 1)] ?? 1)}
        >
          <span aria-hidden="true">+</span>
          <span className="visually-hidden">Agrandir</span>
        </button>
      </div>
      <div
        id={`${id}-pages`}
        className="pdf-viewer__pages"
        tabIndex={0}
        aria-label={`${title} — ${doc.numPages} page${doc.numPages > 1 ? 's' : ''}`}
      >
        {pages.map((n) => (
          <PdfPage key={n} doc={doc} number={n} zoom={zoom} total={doc.numPages} />
        ))}
      </div>
      {doc.numPages > shown ? (
        <div className="form-actions">
          <button type="button" className="button button--secondary" onClick={() => setShown((s) => s + PAGES_PER_STEP)}>
            <Icon name="ajouter" />
            Afficher les pages suivantes ({doc.numPages - shown} restante{doc.numPages - shown > 1 ? 's' : ''})
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Base width of a page at 100 % (CSS pixels); the zoom multiplies it. */
const PAGE_WIDTH = 760;

function PdfPage({ doc, number, zoom, total }: { doc: PDFDocumentProxy; number: number; zoom: number; total: number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);

  useEffect(() => {
    let cancelled = false;
    let cancelRender: (() => void) | null = null;
    void doc
      .getPage(number)
      .then((page) => {
        if (cancelled || !canvasRef.current) return;
        const unit = page.getViewport({ scale: 1 });
        const scale = (PAGE_WIDTH * zoom) / unit.width;
        const ratio = Math.min(window.devicePixelRatio || 1, 2);
        const viewport = page.getViewport({ scale: scale * ratio });
        const canvas = canvasRef.current;
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        setSize({ width: Math.floor(viewport.width / ratio), height: Math.floor(viewport.height / ratio) });
        const task = page.render({ canvas, viewport, annotationMode: 0 });
        cancelRender = () => task.cancel();
        return task.promise;
      })
      .catch((reason: unknown) => {
        const name = reason && typeof reason === 'object' && 'name' in reason ? String((reason as { name: unknown }).name) : '';
        if (!cancelled && name !== 'RenderingCancelledException') setFailed(true);
      });
    return () => {
      cancelled = true;
      cancelRender?.();
    };
  }, [doc, number, zoom]);

  return (
    <figure className="pdf-viewer__page">
      {failed ? <p className="text-danger">La page {number} n’a pas pu être affichée.</p> : null}
      <canvas
        ref={canvasRef}
        className="pdf-viewer__canvas"
        role="img"
        aria-label={`Page ${number} sur ${total}`}
        // CSSOM sizes (allowed by the CSP, unlike a style attribute in markup).
        style={size ? { width: `${size.width}px`, height: `${size.height}px` } : undefined}
      />
      <figcaption className="pdf-viewer__page-number">
        Page {number} / {total}
      </figcaption>
    </figure>
  );
}
