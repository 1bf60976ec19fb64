/**
 * The renderer's only way to reach the main side. In Electron the preload provides
 * `window.reverie`; in a browser the same API runs over HTTP and a WebSocket.
 */
import { createApi } from './client.ts';
import { electronBridge, electronTransport } from './electron.ts';
import { httpTransport } from './http.ts';
import type { ReverieApi } from './types.ts';

export { ApiClientError, createApi } from './client.ts';
export type { Transport } from './client.ts';
export type * from './types.ts';

let instance: ReverieApi | null = null;

export function getApi(): ReverieApi {
  if (!instance) {
    const bridge = electronBridge();
    instance = bridge ? createApi(electronTransport(bridge), 'electron') : createApi(httpTransport(), 'browser');
  }
  return instance;
}
