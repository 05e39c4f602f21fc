/**
 * The end of a form: a submit button (its icon, and another label while the
 * form is busy) and « Annuler », both disabled while busy. With it,
 * `FailureAlert`: why the last submission was refused, or nothing.
 */
import { Alert } from './Alert.js';
import { Icon, type IconName } from './Icon.js';

export function SubmitCancel({
  icon,
  label,
  busyLabel,
  busy,
  onCancel,
  tone = 'primary',
}: {
  icon: IconName;
  label: string;
  busyLabel: string;
  busy: boolean;
  onCancel: () => void;
  tone?: 'primary' | 'danger';
}) {
  return (
    <div className="form-actions">
      <button type="submit" className={`button button--${tone}`} disabled={busy}>
        <Icon name={icon} />
        {busy ? busyLabel : label}
      </button>
      <button type="button" className="button button--quiet" disabled={busy} onClick={onCancel}>
        Annuler
      </button>
    </div>
  );
}

export function FailureAlert({ failure, title }: { failure: { message: string } | null; title: string }) {
  return failure ? (
    <Alert tone="error" title={title}>
      {failure.message}
    </Alert>
  ) : null;
}
