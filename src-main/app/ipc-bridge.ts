/**
 * Electron IPC: one invoke channel for calls (validated sender → dispatcher → Envelope) and one
 * channel for events to the window. The preload exposes one function per call on top of it.
 */
import { ipcMain } from 'electron';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import type { Dispatch } from '../ipc/dispatch.ts';
import type { EventBus } from '../ipc/events.ts';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../ipc/names.ts';
import { senderProblem } from '../ipc/validate-sender.ts';

export function registerIpc(dispatch: Dispatch, events: EventBus, mainWindow: () => BrowserWindow | null): () => void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event: IpcMainInvokeEvent, name: unknown, request: unknown) => {
    const win = mainWindow();
    const problem = win && event.sender === win.webContents ? senderProblem(event.senderFrame, win.webContents.mainFrame) : 'IPC from a window that is not Reverie’s main window';
    if (problem) {
      console.warn(`[reverie] refused IPC call ${String(name)}: ${problem}`);
      return { ok: false, error: { code: 'FORBIDDEN', message: problem } };
    }
    return dispatch(typeof name === 'string' ? name : '', request);
  });
  const unsubscribe = events.subscribe((name, payload) => {
    const win = mainWindow();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, name, payload);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
  };
}
