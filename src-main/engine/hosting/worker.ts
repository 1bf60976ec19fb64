/**
 * The engine process side: receives calls from the host, runs them on the engine service, sends
 * results and per-call events back, aborts a call on 'cancel'. Runs under Electron's
 * utilityProcess (process.parentPort) or a Node child process (process.send); see worker-main.ts.
 */
import { createEngineService } from '../service.ts';
import type { HostToWorker, WorkerToHost } from './protocol.ts';
import { ENGINE_CACHE_DIR_ENV, isHostMessage, toEngineErrorData } from './protocol.ts';

interface ParentLink {
  send(message: WorkerToHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Electron's utilityProcess port, seen structurally (the engine never imports electron). */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function parentLink(): ParentLink {
  const parentPort = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (send) {
    // the host went away (app quit or crashed): nothing left to serve
    process.on('disconnect', () => process.exit(0));
    return {
      send: (message) => void send(message),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('The engine worker must be started by Reverie (Electron utilityProcess or child_process.fork with an IPC channel).');
}

export function runWorker(): void {
  const link = parentLink();
  const service = createEngineService({ isolated: true, cacheDir: process.env[ENGINE_CACHE_DIR_ENV] || undefined });
  const running = new Map<number, AbortController>();

  const handle = async (message: Extract<HostToWorker, { type: 'call' }>): Promise<void> => {
    const controller = new AbortController();
    running.set(message.id, controller);
    try {
      const result = await service.call(message.method, message.params as never, {
        signal: controller.signal,
        emit: (event) => link.send({ type: 'event', id: message.id, event }),
      });
      link.send({ type: 'result', id: message.id, ok: true, result });
    } catch (err) {
      link.send({ type: 'result', id: message.id, ok: false, error: toEngineErrorData(err) });
    } finally {
      running.delete(message.id);
    }
  };

  link.onMessage((message) => {
    if (!isHostMessage(message)) return;
    if (message.type === 'cancel') running.get(message.id)?.abort();
    else void handle(message);
  });
  link.send({ type: 'ready', pid: process.pid });
}
