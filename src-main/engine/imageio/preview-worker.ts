/**
 * The preview thread's entry (bundled as dist/main/preview-worker.cjs; from the sources it runs under
 * tsx): renders the live previews that preview-thread.ts hands over, latents → RGB8 → PNG, exactly as
 * the JavaScript thread would (preview-thread.ts renderRequest), and sends the bytes back transferred.
 * It runs at a lower priority than the JavaScript thread (runtime/thread-priority.ts).
 */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from '../runtime/thread-priority.ts';
import { renderRequest } from './preview-thread.ts';
import type { PreviewReply, PreviewRequest } from './preview-thread.ts';

// woken by each request, this thread must not take the JavaScript thread's core (thread-priority.ts)
lowerThreadPriority();

async function render(msg: PreviewRequest): Promise<void> {
  let reply: PreviewReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const png = await renderRequest(msg);
    // a buffer of its own (sharp's may be a view into a larger one), so it can be transferred
    const bytes = new Uint8Array(png).buffer;
    reply = { id: msg.id, png: bytes };
    transfer = [bytes];
  } catch (error) {
    reply = { id: msg.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply, transfer);
}

parentPort?.on('message', (msg: PreviewRequest) => {
  void render(msg);
});
