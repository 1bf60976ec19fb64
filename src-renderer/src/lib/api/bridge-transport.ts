/** The Electron transport over the preload's bridge object (no DOM here: electron.ts finds the bridge on window). */
import type { Transport } from './client.ts';
import { ApiClientError } from './client.ts';
import type { CallName, ReverieBridge } from './types.ts';

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
