/**
 * MSSanté rules shared by the services and the renderer (pure): the patient
 * mailbox derived from the INS, the X-MSS-* headers, the XDM subject
 * convention. Notes: shared/reference/notes/mss.md.
 */
export * from './address.js';
export * from './headers.js';
export * from './subject.js';
export * from './delivery.js';
export * from './error-notice.js';
