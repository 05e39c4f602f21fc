/** Every fuzz target, by name, loaded on demand (a worker imports only its own). HPRIM: no parser yet (another issue). */
import type { FuzzTarget } from '../target.js';

export const TARGETS: Record<string, () => Promise<FuzzTarget>> = {
  insi: async () => (await import('./xml.js')).insi as FuzzTarget,
  xds: async () => (await import('./xml.js')).xds as FuzzTarget,
  mtom: async () => (await import('./xml.js')).mtom,
  'cda-reader': async () => (await import('./xml.js')).cdaReader as FuzzTarget,
  'cda-self-check': async () => (await import('./xml.js')).cdaSelfCheck as FuzzTarget,
  mime: async () => (await import('./mss.js')).mime as FuzzTarget,
  receipts: async () => (await import('./mss.js')).receipts,
  xdm: async () => (await import('./mss.js')).xdm as FuzzTarget,
  annuaire: async () => (await import('./annuaire.js')).annuaire,
  psc: async () => (await import('./psc.js')).psc,
  bridge: async () => (await import('./bridge.js')).bridge as FuzzTarget,
  cli: async () => (await import('./cli.js')).cli,
};
