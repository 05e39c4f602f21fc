/**
 * ITI-43 Retrieve Document Set (TD3.2): the request, and the answer's
 * documents resolved from the MTOM parts (or inline base64 from a non-MTOM
 * peer). Pure.
 */
import { CabinetError } from '../../../shared/contract/outcome.js';
import type { ParsedMtom } from './mtom.js';
import { readXdsResponse, registryError, type XdsResponse } from './query.js';
import { NS, xmlEscape } from './soap.js';

const OID_EXT = /^[0-2](\.(0|[1-9]\d*))+(\^[A-Za-z0-9.\-_]{1,64})?$/;
const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

export function buildRetrieveRequest(docs: { uniqueId: string; repositoryUniqueId: string }[]): string {
  if (docs.length === 0 || docs.length > 20) throw new CabinetError('INVALID_REQUEST', 'Entre 1 et 20 documents par récupération DMP.');
  for (const d of docs) {
    if (!OID_EXT.test(d.uniqueId))
      throw new CabinetError('INVALID_REQUEST', `Identifiant de document « ${d.uniqueId.slice(0, 60)} » invalide.`);
    if (!OID.test(d.repositoryUniqueId))
      throw new CabinetError('INVALID_REQUEST', `Identifiant d’entrepôt « ${d.repositoryUniqueId.slice(0, 60)} » invalide.`);
  }
  return (
    `<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="${NS.xdsb}">` +
    docs
      .map(
        (d) =>
          `<xdsb:DocumentRequest><xdsb:RepositoryUniqueId>${xmlEscape(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>${xmlEscape(d.uniqueId)}</xdsb:DocumentUniqueId></xdsb:DocumentRequest>`,
      )
      .join('') +
    '</xdsb:RetrieveDocumentSetRequest>'
  );
}

export interface RetrievedDocument {
  repositoryUniqueId: string;
  uniqueId: string;
  mimeType: string;
  content: Buffer;
}

/**
 * The documents of an ITI-43 answer. Registry errors (XDSMissingDocument…)
 * and faults become French `CabinetError`s; a DocumentResponse whose content
 * is missing is an unreadable answer. The status is the nested
 * `rs:RegistryResponse/@status` (ITI TF-2b 3.43.4.2): a Failure is refused
 * even without an error list; a PartialSuccess returns what came, with
 * `incomplete` saying so in French.
 */
export function readRetrieveResponse(
  message: ParsedMtom,
  maxDocumentBytes = 64 * 1024 * 1024,
): { documents: RetrievedDocument[]; response: XdsResponse; incomplete: string | null } {
  const response = readXdsResponse(message.envelope);
  if (response.bodyElement !== 'RetrieveDocumentSetResponse')
    throw new CabinetError('UNAVAILABLE', 'Réponse du DMP illisible : RetrieveDocumentSetResponse attendu.');
  if (response.status === null)
    throw new CabinetError(
      'UNAVAILABLE',
      'Réponse du DMP illisible : statut de la réponse (rs:RegistryResponse@status) absent ou inconnu.',
    );
  const error = registryError(response);
  // A Failure is a refusal even when it lists no error (registryError then says « sans préciser de motif »).
  if (error && (response.status === 'Failure' || response.documentResponses.length === 0)) throw error;
  const incomplete =
    response.status === 'PartialSuccess'
      ? response.errors.length > 0
        ? (error?.message ?? null)
        : 'Le DMP n’a renvoyé qu’une partie des documents demandés, sans préciser lesquels manquent.'
      : null;
  const documents = response.documentResponses.map((d): RetrievedDocument => {
    const content = d.contentId ? message.parts.get(d.contentId) : d.inline;
    if (!content)
      throw new CabinetError(
        'UNAVAILABLE',
        `Réponse du DMP illisible : contenu du document « ${d.documentUniqueId.slice(0, 60)} » absent.`,
      );
    if (content.length > maxDocumentBytes) throw new CabinetError('UNAVAILABLE', 'Le document reçu du DMP dépasse la taille autorisée.');
    return { repositoryUniqueId: d.repositoryUniqueId, uniqueId: d.documentUniqueId, mimeType: d.mimeType, content };
  });
  return { documents, response, incomplete };
}
