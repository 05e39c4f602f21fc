/**
 * The identity status of a patient (RNIV), wherever a patient appears. Each
 * status has its own icon, words and frame — never color alone: « Identité
 * qualifiée » (check in a shield, solid green), « Identité récupérée » (arrow,
 * blue), « Identité validée » (identity card, grey), « Identité provisoire »
 * (clock, dashed amber frame).
 */
import { statusLabels, statusMeanings, type InsStatus } from '../ins.js';
import { Icon, type IconName } from './Icon.js';

const icons: Record<InsStatus, IconName> = { QUAL: 'qualifiee', RECUP: 'recuperee', VALI: 'validee', PROV: 'provisoire' };

export function StatusBadge({ status, label, size = 'normal' }: { status: InsStatus; label?: string; size?: 'normal' | 'large' }) {
  const text = label || statusLabels[status];
  return (
    <span
      className={`status-badge status-badge--${status.toLowerCase()}${size === 'large' ? ' status-badge--large' : ''}`}
      title={statusMeanings[status]}
    >
      <Icon name={icons[status]} className="status-badge__icon" />
      <span className="status-badge__text">{text}</span>
    </span>
  );
}
