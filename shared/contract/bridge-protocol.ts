/**
 * Wire format of the browser host's bridge (a WebSocket on 127.0.0.1). It
 * carries the same contract as Electron's IPC. The per-launch token travels
 * as a WebSocket sub-protocol (`cabinet.token.<token>`) because browsers
 * cannot set headers on a WebSocket; the host refuses the upgrade without it.
 */
import { z } from 'zod';

export const BRIDGE_PATH = '/bridge';
export const BRIDGE_PROTOCOL = 'cabinet.v1';
export const TOKEN_PROTOCOL_PREFIX = 'cabinet.token.';
/**
 * Largest message either side accepts: a DMP document or a PDF to feed
 * (20 MiB, the CDA builder's limit) travels in base64 (× 4/3) inside its
 * JSON. Each channel's own schema bounds its fields further.
 */
export const BRIDGE_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export const clientMessage = z
  .object({
    t: z.literal('call'),
    id: z.number().int().nonnegative(),
    channel: z.string().max(100),
    payload: z.unknown(),
  })
  .strict();

export type ServerMessage =
  { t: 'result'; id: number; outcome: unknown } | { t: 'event'; event: string; payload: unknown } | { t: 'refused'; outcome: unknown };
