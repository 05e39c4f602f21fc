/**
 * The environment, impossible to miss outside production: "Bac à sable" and
 * "Qualification" are loud, "Production" is quiet.
 */
import { environmentLabels, type CabinetEnvironment } from '../../shared/domain/services.js';

/** "Bac à sable (services simulés en local)" → ["Bac à sable", "services simulés en local"]. */
export function splitEnvironmentLabel(env: CabinetEnvironment): [string, string | null] {
  const label = environmentLabels[env];
  const match = /^(.*?)\s*\((.*)\)\s*$/.exec(label);
  return match ? [match[1] ?? label, match[2] ?? null] : [label, null];
}

export function EnvironmentBadge({ env }: { env: CabinetEnvironment }) {
  const [name, detail] = splitEnvironmentLabel(env);
  return (
    <p className={`env-badge env-badge--${env}`} title={environmentLabels[env]}>
      <span className="visually-hidden">Environnement : </span>
      <strong className="env-badge__name">{name}</strong>
      {detail ? <span className="env-badge__detail">{detail}</span> : null}
    </p>
  );
}
