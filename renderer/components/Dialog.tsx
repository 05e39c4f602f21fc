/**
 * A modal dialog: the native `<dialog>` opened with
 * `showModal()` (the browser traps the focus, Escape closes, the page behind
 * is inert), labelled by its title. On close, the focus returns to the
 * control that opened it.
 */
import './Dialog.css';
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Dialog({
  title,
  onClose,
  children,
  tone = 'normal',
  size = 'normal',
  describedBy,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  tone?: 'normal' | 'danger';
  size?: 'normal' | 'large';
  describedBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    const closed = () => onCloseRef.current();
    dialog?.addEventListener('close', closed);
    return () => {
      dialog?.removeEventListener('close', closed);
      if (dialog?.open) dialog.close();
      // Back to the opener (if it is still in the page).
      if (opener?.isConnected) window.setTimeout(() => opener.focus(), 0);
    };
  }, []);

  return (
    <dialog ref={ref} className={`dialog dialog--${tone} dialog--${size}`} aria-labelledby={titleId} aria-describedby={describedBy}>
      <div className="dialog__header">
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
        <button type="button" className="button button--quiet button--small dialog__close" onClick={() => ref.current?.close()}>
          <span aria-hidden="true">×</span>
          <span className="visually-hidden">Fermer</span>
        </button>
      </div>
      <div className="dialog__body">{children}</div>
    </dialog>
  );
}
