/** CDA rules shared by the services and the renderer (pure): the ANS code lists a Cabinet CDA uses. */
export * from './value-sets.js';
