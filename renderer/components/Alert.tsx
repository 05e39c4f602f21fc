/**
 * A boxed message. Errors use role="alert" (announced at once); confirmations
 * and information use role="status" (announced politely).
 */
import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon.js';

export type AlertTone = 'error' | 'warning' | 'success' | 'info';

const icons: Record<AlertTone, IconName> = { error: 'alert', warning: 'alert', success: 'check', info: 'info' };

export function Alert({
  tone,
  title,
  children,
  actions,
  className,
}: {
  tone: AlertTone;
  title?: string;
  children?: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <div className={`alert alert--${tone}${className ? ` ${className}` : ''}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={icons[tone]} className="alert__icon" />
      <div className="alert__body">
        {title ? <p className="alert__title">{title}</p> : null}
        {children ? <div className="alert__text">{children}</div> : null}
      </div>
      {actions ? <div className="alert__actions">{actions}</div> : null}
    </div>
  );
}
