/**
 * The window's security settings, as constants and small functions that tests can check without
 * the Electron runtime (types only are imported from electron). Follows Electron's security
 * checklist: context isolation, sandbox, no Node in the renderer, CSP, no navigation, no new
 * windows, no webviews, no permissions, no remote content.
 */
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../ipc/csp.ts';
import { APP_ORIGIN, isAppUrl } from '../ipc/validate-sender.ts';

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false,
  // middle-click cannot open links in a new window (Electronegativity's AUXCLICK_JS_CHECK); new
  // windows are denied anyway (setWindowOpenHandler below), this keeps the event from starting
  disableBlinkFeatures: 'Auxclick',
} as const satisfies WebPreferences;

export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 680,
    title: 'Reverie',
    backgroundColor: '#121418',
    show: false,
    autoHideMenuBar: true,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: preloadPath },
  };
}

/** Requests the renderer may make: our own protocol and in-page data. Everything remote is blocked. */
export function isAllowedRequestUrl(url: string): boolean {
  if (isAppUrl(url)) return true;
  return url.startsWith('data:') || url.startsWith('blob:reverie://app/') || url.startsWith('devtools://');
}

/** The renderer never navigates: in-page routing only. Reloads of our own entry page are fine. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** Permissions the renderer may use (none that reach hardware or the network). */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url) }));
  // Electronegativity lists this line for review (CSP_GLOBAL_CHECK, low, tentative): it cannot read a
  // policy held in a constant. Reviewed: ipc/csp.ts allows scripts from 'self' only, no objects,
  // no framing; the protocol responses carry the same header (protocol.ts).
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}
