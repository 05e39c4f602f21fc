import { describe, expect, it } from 'vitest';
import { CabinetError } from '../../../shared/contract/outcome.js';
import { soapEnvelope } from './fixtures.test-support.js';
import { MAX_XDS_DEPTH, MAX_XDS_RESPONSE_BYTES, readXdsResponse, registryError } from './query.js';
import type { ParsedMtom } from './mtom.js';
import { readRetrieveResponse } from './retrieve.js';
import { NS, RESPONSE_STATUS } from './soap.js';

const ITI43 = 'urn:ihe:iti:2007:RetrieveDocumentSetResponse';
const docResponse = (uid: string, cid: string) =>
  `<xdsb:DocumentResponse><xdsb:RepositoryUniqueId>1.2.250.1.213.1.1.1.1</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${uid}</xdsb:DocumentUniqueId>` +
  `<xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document><xop:Include xmlns:xop="${NS.xop}" href="cid:${cid}"/></xdsb:Document></xdsb:DocumentResponse>`;
/** The ITI TF-2b 3.43.4.2 shape: the status is on the nested rs:RegistryResponse, not on the body's first child. */
const iti43 = (status: string, inner = '', responses = '') =>
  soapEnvelope(
    `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}" xmlns:rs="${NS.rs}"><rs:RegistryResponse status="${status}">${inner}</rs:RegistryResponse>${responses}</xdsb:RetrieveDocumentSetResponse>`,
    ITI43,
  );
const missing = `<rs:RegistryErrorList><rs:RegistryError errorCode="XDSMissingDocument" codeContext="absent" severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/></rs:RegistryErrorList>`;

/** An MTOM answer whose attachments are `parts`. */
const mtom = (envelope: string, parts: [string, Buffer][] = []): ParsedMtom => ({
  envelope,
  parts: new Map(parts),
  partTypes: new Map(parts.map(([cid]) => [cid, 'text/xml'])),
  includes: parts.map(([cid]) => cid),
});

function refusal(run: () => unknown): CabinetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CabinetError);
    return error as CabinetError;
  }
  throw new Error('aucun refus');
}

describe('ITI-43 answers: the status of the nested rs:RegistryResponse', () => {
  it('reads Success, Failure and PartialSuccess from rs:RegistryResponse', () => {
    expect(readXdsResponse(iti43(RESPONSE_STATUS.success)).status).toBe('Success');
    expect(readXdsResponse(iti43(RESPONSE_STATUS.failure)).status).toBe('Failure');
    expect(readXdsResponse(iti43(RESPONSE_STATUS.partialSuccess)).status).toBe('PartialSuccess');
  });

  it('refuses a Failure that lists no error, in French', () => {
    const message = mtom(iti43(RESPONSE_STATUS.failure));
    const error = refusal(() => readRetrieveResponse(message));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe('Le DMP a refusé la demande sans préciser de motif.');
  });

  it('refuses a Failure even when it carries a document', () => {
    const message = mtom(iti43(RESPONSE_STATUS.failure, '', docResponse('1.2.3', 'a@x')), [['a@x', Buffer.from('<x/>')]]);
    expect(refusal(() => readRetrieveResponse(message)).message).toMatch(/sans préciser de motif/);
  });

  it('reports a PartialSuccess without an error list: documents returned, the gap said in French', () => {
    const message = mtom(iti43(RESPONSE_STATUS.partialSuccess, '', docResponse('1.2.3', 'a@x')), [['a@x', Buffer.from('<x/>')]]);
    const read = readRetrieveResponse(message);
    expect(read.documents.map((d) => d.uniqueId)).toEqual(['1.2.3']);
    expect(read.incomplete).toBe('Le DMP n’a renvoyé qu’une partie des documents demandés, sans préciser lesquels manquent.');
  });

  it('a PartialSuccess with its error list says which error', () => {
    const message = mtom(iti43(RESPONSE_STATUS.partialSuccess, missing, docResponse('1.2.3', 'a@x')), [['a@x', Buffer.from('<x/>')]]);
    expect(readRetrieveResponse(message).incomplete).toMatch(/introuvable dans le DMP/);
  });

  it('a Success gives its documents and nothing incomplete; an answer without status is unreadable', () => {
    const ok = mtom(iti43(RESPONSE_STATUS.success, '', docResponse('1.2.3', 'a@x')), [['a@x', Buffer.from('<x/>')]]);
    expect(readRetrieveResponse(ok)).toMatchObject({ incomplete: null, documents: [{ uniqueId: '1.2.3', mimeType: 'text/xml' }] });
    const none = mtom(
      soapEnvelope(
        `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}" xmlns:rs="${NS.rs}"><rs:RegistryResponse/></xdsb:RetrieveDocumentSetResponse>`,
        ITI43,
      ),
    );
    expect(refusal(() => readRetrieveResponse(none)).message).toMatch(/statut de la réponse/);
  });

  it('the status of another rs:RegistryResponse deeper in the body is not taken', () => {
    const res = readXdsResponse(
      iti43(RESPONSE_STATUS.success, `<x:Ext xmlns:x="urn:x"><rs:RegistryResponse status="${RESPONSE_STATUS.failure}"/></x:Ext>`),
    );
    expect(res.status).toBe('Success');
    expect(registryError(res)).toBeNull();
  });
});

describe('XDS answers: bounded read', () => {
  const head = `<s:Envelope xmlns:s="${NS.soap}"><s:Body><query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rim="${NS.rim}" status="${RESPONSE_STATUS.success}"><rim:RegistryObjectList><rim:ExtrinsicObject id="a">`;
  const tail = '</rim:ExtrinsicObject></rim:RegistryObjectList></query:AdhocQueryResponse></s:Body></s:Envelope>';
  /** Deep-and-repeated: blocks of `depth` nested rim:Value repeated up to about `megabytes`. */
  const envelope = (megabytes: number, depth: number) => {
    const block = `<rim:Slot name="x"><rim:ValueList>${'<rim:Value>'.repeat(depth)}v${'</rim:Value>'.repeat(depth)}</rim:ValueList></rim:Slot>`;
    return head + block.repeat(Math.floor((megabytes * 1024 * 1024) / block.length)) + tail;
  };

  it('refuses a 42 MB deep-and-repeated envelope at the depth limit', () => {
    const error = refusal(() => readXdsResponse(envelope(42, 5_000)));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(`Réponse du DMP illisible : imbrication de plus de ${MAX_XDS_DEPTH} niveaux.`);
    expect(error.details).toMatchObject({ reason: 'profondeur' });
  });

  it('refuses an envelope over the size limit before reading it', () => {
    const big = envelope(65, 50);
    expect(big.length).toBeGreaterThan(MAX_XDS_RESPONSE_BYTES);
    const error = refusal(() => readXdsResponse(big));
    expect(error.message).toBe('Réponse du DMP illisible : document trop volumineux (plus de 64 Mo).');
    expect(error.details).toMatchObject({ reason: 'taille' });
  });

  it('the time budget is checked while reading: a 20 MB envelope within depth exceeds a 1 ms budget', () => {
    const error = refusal(() => readXdsResponse(envelope(20, 50), { deadlineMs: 1 }));
    expect(error.message).toMatch(/^Réponse du DMP illisible : lecture trop longue/);
    expect(error.details).toMatchObject({ reason: 'delai' });
  });

  it('counts registry errors against the object limit', () => {
    const errors = `<rs:RegistryErrorList xmlns:rs="${NS.rs}">${missing.replace(/<\/?rs:RegistryErrorList>/g, '').repeat(11)}</rs:RegistryErrorList>`;
    expect(refusal(() => readXdsResponse(iti43(RESPONSE_STATUS.failure, errors), { maxObjects: 10 })).message).toMatch(/plus de 10 objets/);
  });
});
