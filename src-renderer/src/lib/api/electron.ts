/** The Electron transport: the preload's contextBridge object, `window.reverie`. */
import type { ReverieBridge } from './types.ts';

export { electronTransport } from './bridge-transport.ts';

declare global {
  interface Window {
    /** set by the preload in Electron only; use lib/api, never this directly */
    reverie?: ReverieBridge;
  }
}

export function electronBridge(): ReverieBridge | null {
  return typeof window !== 'undefined' && window.reverie?.version === 1 ? window.reverie : null;
}
