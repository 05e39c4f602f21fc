/**
 * The API key the Annuaire sandbox accepts by default; Cabinet uses it in the
 * sandbox environment when CABINET_ANNUAIRE_API_KEY is not set. Here, outside
 * sandbox/, because the app uses it and the packaged app holds no sandbox code.
 */
export const SANDBOX_API_KEY = 'cabinet-bac-a-sable-annuaire';
