/**
 * INS rules shared by the services and the renderer (pure): the matricule and
 * its key, the assigning-authority OIDs, the identity traits INSi expects, and
 * the RNIV identity status with the rule that only a qualified INS may leave
 * the app.
 */
export * from './matricule.js';
export * from './oids.js';
export * from './traits.js';
export * from './status.js';
