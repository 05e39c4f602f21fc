/** A field's error line (referenced by the field's aria-describedby); renders nothing without a message. */
import { Icon } from './Icon.js';

export function FieldError({ id, message }: { id?: string; message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="feedback feedback--error">
      <Icon name="alert" />
      {message}
    </p>
  );
}
