/**
 * The renderer's single entry to the services. In Electron the preload has
 * already exposed `window.cabinet`; in the browser host we build the same API
 * over the WebSocket bridge. Screens import `cabinet` from here and never know
 * which one they got.
 */
import type { CabinetApi } from '../../shared/contract/index.js';
import { createWebBridge } from './web.js';

declare global {
  interface Window {
    cabinet?: CabinetApi;
  }
}

export const cabinet: CabinetApi = window.cabinet ?? createWebBridge();
