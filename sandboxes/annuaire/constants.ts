/** The API key the Annuaire sandbox accepts by default (defined beside the app that uses it). */
export { SANDBOX_API_KEY } from '../../electron/annuaire/sandbox-key.js';
