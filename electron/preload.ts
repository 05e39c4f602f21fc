/**
 * Preload (sandboxed, context-isolated): exposes `window.cabinet`, one method
 * per contract channel and one subscriber per event — never ipcRenderer
 * itself, never a generic send.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi } from '../shared/contract/index.js';

const api = buildApi(
  (channel, request) => ipcRenderer.invoke(channel, request),
  (event, listener) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(`event:${event}`, handler);
    return () => {
      ipcRenderer.removeListener(`event:${event}`, handler);
    };
  },
);

contextBridge.exposeInMainWorld('cabinet', api);
