/**
 * The DMP panel's data: the status and the list of one patient, through the
 * data layer. The list shown is the one recorded on this computer (read
 * again on `dmpChanged` for this patient and on `outboxChanged`); a refresh
 * from the DMP (`auto`: the first 2-year search, then incremental) replaces
 * it with its answer. The first status answer that allows consultation
 * starts that refresh, and so does a send that just reached the DMP.
 */
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { useAction, useChannel } from '../../data/useChannel.js';
import { useDmpReport, type DmpFeed } from './dmp-api.js';
import type { ListFilter } from './DmpDocumentList.js';
import { justSent, toRequestFilter } from './dmp-list.js';
import { cabinet } from '../../bridge/index.js';
import { accessAdvice } from './dmp-labels.js';

export function useDmpData(uid: string, filter: ListFilter, limit: number) {
  const report = useDmpReport();
  // The time to the newest documents on screen starts here (measured by the panel; read by the end-to-end test and the bench).
  // Declared before the reads so that it runs before their first call.
  useEffect(() => {
    performance.mark('dmp-liste-demande');
  }, [uid]);
  // The DMP's answers carry time-bound facts (an emergency access, « offline »): never shown from a cache.
  const status = useChannel('dmp.status', { uid }, { noCache: true, report });
  const list = useChannel(
    'dmp.list',
    { uid, filter: toRequestFilter(filter, limit), refresh: 'cache' },
    {
      noCache: true,
      keepPrevious: true,
      report,
      refreshOn: ['dmpChanged', 'outboxChanged'],
      refreshWhen: (event, payload) => event === 'outboxChanged' || ('uid' in payload && payload.uid === uid),
    },
  );
  const fromDmp = useAction('dmp.list', { report });
  /** What the last refresh from the DMP brought (« 2 nouveaux documents… »); the cache's own reads say nothing. */
  const [refreshMessage, setRefreshMessage] = useState<string | null>(null);

  const { clear } = fromDmp;
  async function refreshFromDmp(mode: 'auto' | 'complet'): Promise<void> {
    const outcome = await fromDmp.run({ uid, filter: toRequestFilter(filter, limit), refresh: mode });
    if (outcome.ok) {
      list.setData(outcome.value);
      setRefreshMessage(outcome.value.offline ? null : outcome.value.message);
    }
  }
  const refresh = useEffectEvent((mode: 'auto' | 'complet') => void refreshFromDmp(mode));

  // A status allowing consultation, the DMP reachable: the list is refreshed from the DMP.
  useEffect(() => {
    const view = status.data;
    if (view && accessAdvice(view.status, view.access !== null).canConsult && !view.offline) refresh('auto');
  }, [status.data]);

  // A send that just reached the DMP: fetch the new document (incremental search).
  const feedsBefore = useRef<DmpFeed[]>([]);
  useEffect(() => {
    if (!list.data) return;
    const sent = justSent(feedsBefore.current, list.data.feeds);
    feedsBefore.current = list.data.feeds;
    if (sent) refresh('auto');
  }, [list.data]);

  // The DMP's answer changed (the 2-year search done in the background, a feed, a visibility change):
  // the message about the last search no longer holds (the list itself is read again by useChannel).
  useEffect(
    () =>
      cabinet.events.dmpChanged((payload) => {
        if (payload.uid !== uid) return;
        setRefreshMessage(null);
        clear();
      }),
    [uid, clear],
  );

  return {
    status,
    list,
    refreshFromDmp,
    refreshing: fromDmp.pending,
    /** The last failure of the list: the refresh from the DMP, or the read of this computer's list. */
    listFailure: fromDmp.failure ?? list.failure,
    clearRefreshFailure: clear,
    refreshMessage,
  };
}
