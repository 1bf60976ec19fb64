/**
 * Electron IPC sender validation (Electron security checklist #17): a call is served only when it
 * comes from our window's main frame showing our own origin. Pure functions over the few frame
 * fields we need, so they are unit-tested without Electron.
 */
export const APP_SCHEME = 'reverie';
export const APP_HOST = 'app';
/** The renderer's origin in Electron: reverie://app (a privileged, standard, secure scheme). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The WebFrameMain fields sender validation reads. */
export interface FrameLike {
  readonly url: string;
  readonly processId: number;
  readonly routingId: number;
}

/** True for URLs of our own app origin (reverie://app/...). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}

/** null when the sender may call, otherwise why not. */
export function senderProblem(sender: FrameLike | null | undefined, mainFrame: FrameLike | null | undefined): string | null {
  if (!sender) return 'the sending frame is gone';
  if (!mainFrame) return 'Reverie has no main window';
  if (sender.processId !== mainFrame.processId || sender.routingId !== mainFrame.routingId) {
    return `IPC from a frame other than the main window's main frame (${sender.url})`;
  }
  if (!isAppUrl(sender.url)) return `IPC from a foreign origin (${sender.url})`;
  return null;
}
