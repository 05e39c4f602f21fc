/**
 * The frame of every screen: one `<h1>` (focusable, so that the shell can move
 * focus to it after a navigation), an optional introduction and actions.
 */
import type { ReactNode } from 'react';

export function Screen({
  title,
  intro,
  actions,
  children,
}: {
  title: string;
  intro?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="screen">
      <header className="screen__header">
        <div className="screen__titles">
          <h1 className="screen__title" tabIndex={-1}>
            {title}
          </h1>
          {intro ? <p className="screen__intro">{intro}</p> : null}
        </div>
        {actions ? <div className="screen__actions">{actions}</div> : null}
      </header>
      {children}
    </div>
  );
}

/** A titled block inside a screen (`<section>` labelled by its `<h2>`). */
export function Section({ id, title, children, actions }: { id: string; title: string; children: ReactNode; actions?: ReactNode }) {
  const headingId = `${id}-titre`;
  return (
    <section className="section" aria-labelledby={headingId}>
      <div className="section__header">
        <h2 id={headingId} className="section__title">
          {title}
        </h2>
        {actions ? <div className="section__actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
