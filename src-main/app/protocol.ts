/** Registers the reverie:// scheme that serves the renderer and gallery images in the app. */
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../ipc/csp.ts';
import { APP_SCHEME } from '../ipc/validate-sender.ts';
import type { AppRouteDeps } from './protocol-routes.ts';
import { routeAppRequest } from './protocol-routes.ts';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

export function handleAppProtocol(deps: AppRouteDeps): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const route = routeAppRequest(request.url, deps);
    const headers = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' };
    if ('status' in route) return new Response(route.reason, { status: route.status, headers });
    try {
      const body = await readFile(route.file);
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': route.contentType } });
    } catch {
      return new Response('not found', { status: 404, headers });
    }
  });
}
