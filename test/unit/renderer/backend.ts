/**
 * The renderer's state classes under test talk to the real backend (real engine in-process, tiny
 * fixture models, temp data folder) through the same Transport interface the renderer uses over
 * IPC or HTTP — only the wire is left out.
 */
import { InProcessHost } from '../../../src-main/engine/hosting/host.ts';
import { readChunks } from '../../../src-main/engine/imageio/png-chunks.ts';
import { createEngineService } from '../../../src-main/engine/service.ts';
import type { EventName } from '../../../src-main/ipc/names.ts';
import { ApiClientError, createApi } from '../../../src-renderer/src/lib/api/client.ts';
import type { Transport } from '../../../src-renderer/src/lib/api/client.ts';
import type { ReverieApi } from '../../../src-renderer/src/lib/api/types.ts';
import { makeTestBackend } from '../../integration/host/helpers.ts';
import type { TestBackend } from '../../integration/host/helpers.ts';

export { FIXTURE_MODELS, TINY_MODEL } from '../../integration/host/helpers.ts';

export function directTransport(tb: TestBackend): Transport {
  return {
    call: async (name, request) => {
      const envelope = await tb.dispatch(name, request);
      if (envelope.ok) return envelope.result;
      throw new ApiClientError(envelope.error);
    },
    subscribe: (listener) => tb.backend.events.subscribe((name: EventName, payload) => listener(name, payload)),
  };
}

export interface RendererBackend {
  tb: TestBackend;
  api: ReverieApi;
  close(): Promise<void>;
}

export async function rendererBackend(): Promise<RendererBackend> {
  const tb = await makeTestBackend(new InProcessHost(createEngineService({ isolated: false })));
  return { tb, api: createApi(directTransport(tb), 'browser'), close: () => tb.close() };
}

/** The pixel size of a PNG from its IHDR chunk (the decoder the state classes are given in Node). */
export async function pngSize(blob: Blob): Promise<{ width: number; height: number }> {
  const ihdr = readChunks(new Uint8Array(await blob.arrayBuffer()))[0].data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return { width: view.getUint32(0), height: view.getUint32(4) };
}

export { until } from '../../helpers/until.ts';
