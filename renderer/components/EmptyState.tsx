/** What a screen shows when there is nothing (yet): a plain sentence, then an optional hint. */
import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';

export function EmptyState({ icon, title, children }: { icon?: IconName; title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      {icon ? <Icon name={icon} className="empty-state__icon" /> : null}
      <p className="empty-state__title">{title}</p>
      {children ? <div className="empty-state__hint">{children}</div> : null}
    </div>
  );
}
