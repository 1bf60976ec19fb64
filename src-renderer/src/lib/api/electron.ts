/** The Electron transport: the preload's contextBridge object, `window.reverie`. */
import type { Transport } from './client.ts';
import { ApiClientError } from './client.ts';
import type { CallName, ReverieBridge } from './types.ts';

declare global {
  interface Window {
    /** set by the preload in Electron only; use lib/api, never this directly */
    reverie?: ReverieBridge;
  }
}

export function electronBridge(): ReverieBridge | null {
  return typeof window !== 'undefined' && window.reverie?.version === 1 ? window.reverie : null;
}

export function electronTransport(bridge: ReverieBridge): Transport {
  return {
    async call(name: CallName, request: unknown) {
      const envelope = await bridge.calls[name](request);
      if (envelope.ok) return envelope.result;
      throw new ApiClientError(envelope.error);
    },
    subscribe: (listener) => bridge.subscribe(listener),
    pathForFile: (file) => bridge.pathForFile?.(file) || null,
  };
}
