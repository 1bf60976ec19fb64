import type { Session, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { ALLOWED_PERMISSIONS, APP_ENTRY_URL, SECURE_WEB_PREFERENCES, hardenSession, hardenWebContents, isAllowedNavigation, isAllowedRequestUrl, mainWindowOptions } from '../../../src-main/app/hardening.ts';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/ipc/csp.ts';

type Handler = (...args: unknown[]) => unknown;

/** Records what hardening registers on an Electron object (the runtime cannot run in CI). */
function recorder() {
  const handlers = new Map<string, Handler>();
  const record = (name: string) => (fn: Handler) => void handlers.set(name, fn);
  return { handlers, record };
}

function preventable() {
  let prevented = false;
  return { event: { preventDefault: () => (prevented = true) }, prevented: () => prevented };
}

describe('window hardening', () => {
  it('isolates, sandboxes and keeps Node out of the renderer', () => {
    const prefs = mainWindowOptions('/app/dist/main/preload.cjs').webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      preload: '/app/dist/main/preload.cjs',
    });
    expect(SECURE_WEB_PREFERENCES).not.toHaveProperty('preload');
    expect(APP_ENTRY_URL).toBe('reverie://app/index.html');
  });

  it('denies navigation away from the app and every new window', () => {
    const { handlers, record } = recorder();
    let openHandler: Handler = () => undefined;
    const contents = { on: (name: string, fn: Handler) => record(name)(fn), setWindowOpenHandler: (fn: Handler) => (openHandler = fn) };
    hardenWebContents(contents as unknown as WebContents);
    for (const name of ['will-navigate', 'will-redirect']) {
      const away = preventable();
      handlers.get(name)?.(away.event, 'https://evil.example/');
      expect(away.prevented()).toBe(true);
      const home = preventable();
      handlers.get(name)?.(home.event, 'reverie://app/index.html');
      expect(home.prevented()).toBe(false);
    }
    const webview = preventable();
    handlers.get('will-attach-webview')?.(webview.event);
    expect(webview.prevented()).toBe(true);
    expect(openHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'reverie://app/index.html' })).toEqual({ action: 'deny' });
  });

  it('blocks remote requests, refuses permissions and adds the CSP header', () => {
    const { handlers, record } = recorder();
    const session = {
      setPermissionRequestHandler: record('permissionRequest'),
      setPermissionCheckHandler: record('permissionCheck'),
      webRequest: { onBeforeRequest: record('beforeRequest'), onHeadersReceived: record('headersReceived') },
    };
    hardenSession(session as unknown as Session);
    const verdict = (url: string) => {
      let result: unknown;
      handlers.get('beforeRequest')?.({ url }, (r: unknown) => (result = r));
      return result;
    };
    expect(verdict('https://cdn.example/x.js')).toEqual({ cancel: true });
    expect(verdict('ws://127.0.0.1:7870/api/events')).toEqual({ cancel: true });
    expect(verdict('file:///etc/passwd')).toEqual({ cancel: true });
    expect(verdict('reverie://app/assets/index.js')).toEqual({ cancel: false });
    let granted: unknown;
    handlers.get('permissionRequest')?.({}, 'media', (g: boolean) => (granted = g));
    expect(granted).toBe(false);
    expect(handlers.get('permissionCheck')?.({}, 'geolocation')).toBe(false);
    expect(handlers.get('permissionCheck')?.({}, 'clipboard-sanitized-write')).toBe(true);
    let headers: unknown;
    handlers.get('headersReceived')?.({ responseHeaders: { 'X-A': ['1'] } }, (r: { responseHeaders: unknown }) => (headers = r.responseHeaders));
    expect(headers).toEqual({ 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('allows only harmless permissions and in-app URLs', () => {
    expect([...ALLOWED_PERMISSIONS]).toEqual(['clipboard-sanitized-write']);
    expect(isAllowedNavigation('reverie://app/')).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:7870/')).toBe(false);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA')).toBe(true);
    expect(isAllowedRequestUrl('blob:reverie://app/1234')).toBe(true);
    expect(isAllowedRequestUrl('blob:https://evil.example/1234')).toBe(false);
  });
});
