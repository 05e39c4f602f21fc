/**
 * The DMP panel's one door to the services: `window.cabinet.dmp.*` (the
 * contract's `dmp` group), called through `call()` so that it never throws.
 * Types come from the contract; reads go through the data layer (useDmpData).
 */
import { useCallback } from 'react';
import type { ChannelName, Failure, Outcome, RequestOf, ResponseOf } from '../../../shared/contract/index.js';
import { cabinet } from '../../bridge/index.js';
import { call, useCabinet } from '../../state/cabinet.js';
import { isCabinetOutage } from './dmp-labels.js';

export { isCabinetOutage };

export type DmpStatusView = ResponseOf<'dmp.status'>;
export type DmpListView = ResponseOf<'dmp.list'>;
export type DmpEntry = DmpListView['entries'][number];
export type DmpFeed = DmpListView['feeds'][number];
export type DmpPreview = ResponseOf<'dmp.previewFeed'>;
export type DmpFeedResult = ResponseOf<'dmp.feed'>;
export type DmpAccess = ResponseOf<'dmp.brisDeGlace'>;
export type DmpVisibility = DmpEntry['visibility'];
export type DmpFilter = NonNullable<RequestOf<'dmp.list'>['filter']>;
export type DmpPreviewInput = RequestOf<'dmp.previewFeed'>;

type DmpChannel = Extract<ChannelName, `dmp.${string}`> extends `dmp.${infer M}` ? M : never;

/** Calls `cabinet.dmp.<method>`; a crash or a lost connection becomes a French failure. */
export function dmp<M extends DmpChannel>(method: M, request: RequestOf<`dmp.${M}`>): Promise<Outcome<ResponseOf<`dmp.${M}`>>> {
  const fn = cabinet.dmp[method] as unknown as (request: RequestOf<`dmp.${M}`>) => Promise<Outcome<ResponseOf<`dmp.${M}`>>>;
  return call(() => fn(request));
}

/** `report()` of the shell, for the panel's failures: only real outages reach it. */
export function useDmpReport(): (failure: Failure) => void {
  const { report } = useCabinet();
  return useCallback(
    (failure: Failure) => {
      if (isCabinetOutage(failure)) report(failure);
    },
    [report],
  );
}
