/** What the three login methods share: their titled block, and the focus given to their first field. */
import { useEffect, useId, useRef, type ReactNode } from 'react';

/** The block of one login method: its title and its form. */
export function LoginMethod({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const headingId = useId();
  return (
    <section className="login-method" aria-labelledby={headingId}>
      <div className="login-method__header">
        <h2 id={headingId} className="login-method__title">
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Focuses the element once, when the block opens (the first field of the login screen), if asked to. */
export function useFocusOnMount<T extends HTMLElement>(enabled = true) {
  const ref = useRef<T>(null);
  const initially = useRef(enabled);
  useEffect(() => {
    if (initially.current) ref.current?.focus();
  }, []);
  return ref;
}
