import { describe, expect, it } from 'vitest';
import type { DmpDocumentEntry } from '../client/api.js';
import { queryResponse } from './fixtures.test-support.js';
import { readXdsResponse } from './query.js';

describe('readXdsResponse streaming (onDocuments)', () => {
  it('hands the entries over by chunks as they close; upserted by entryUUID they are exactly `documents`', () => {
    const chunks: DmpDocumentEntry[][] = [];
    const res = readXdsResponse(queryResponse(250), { onDocuments: (c) => chunks.push(structuredClone(c)), chunkSize: 100 });
    expect(chunks.map((c) => c.length).slice(0, 3)).toEqual([100, 100, 50]);
    const upserted = new Map<string, DmpDocumentEntry>();
    for (const c of chunks) for (const e of c) upserted.set(e.entryUuid, e);
    expect([...upserted.values()]).toEqual(res.documents);
  });

  it('without the callback, the answer is the same', () => {
    const envelope = queryResponse(30);
    expect(readXdsResponse(envelope, { onDocuments: () => undefined, chunkSize: 7 })).toEqual(readXdsResponse(envelope));
  });
});
