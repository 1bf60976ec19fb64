/**
 * The preload (sandboxed, context-isolated): exposes one function per contract call and one event
 * subscription as `window.reverie`, never ipcRenderer itself. Requests are validated on the main
 * side; here we only forward them.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { ReverieBridge } from '../ipc/contract.ts';
import { CALL_NAMES, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, isEventName } from '../ipc/names.ts';

const calls: Record<string, (request: unknown) => Promise<unknown>> = {};
for (const name of CALL_NAMES) {
  calls[name] = (request: unknown) => ipcRenderer.invoke(IPC_CALL_CHANNEL, name, request);
}

const bridge: ReverieBridge = {
  version: 1,
  calls: calls as unknown as ReverieBridge['calls'],
  subscribe(listener) {
    const forward = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (typeof name === 'string' && isEventName(name)) listener(name, payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
  // a checkpoint dropped on the window is imported from where it lies (2–7 GB: never copied through the renderer)
  pathForFile: (file: unknown) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
};

contextBridge.exposeInMainWorld('reverie', bridge);
