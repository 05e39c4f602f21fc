/**
 * One banner for the national services this screen depends on that are down:
 * « DMP indisponible depuis 10:42 — vos envois sont conservés et partiront
 * automatiquement ». Nothing when they answer. Never « relancez Cabinet »:
 * Cabinet itself works (see renderer/bridge/failure.ts).
 */
import type { NationalService } from '../../shared/domain/services.js';
import { outageBanner } from '../../shared/domain/service-outage.js';
import { useCabinet } from '../state/cabinet.js';
import { Alert } from './Alert.js';
import { currentPracticeZone } from '../format.js';

export function ServiceOutage({ services }: { services?: readonly NationalService[] }) {
  const { status, outage } = useCabinet();
  if (!status || outage) return null;
  const text = outageBanner(
    status.services.map((s) => ({ id: s.id, state: s.state, since: s.since ?? null })),
    services,
    currentPracticeZone(),
  );
  if (!text) return null;
  return (
    <Alert tone="warning" className="service-outage" title="Service national indisponible : travail en mode dégradé">
      {text}
    </Alert>
  );
}
