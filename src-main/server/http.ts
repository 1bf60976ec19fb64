/**
 * Browser mode: the renderer, the contract's calls (POST /api/call/<name>), its events (WebSocket
 * /api/events) and images (/media/...) on one local HTTP server, every request checked by
 * security.ts (Host, Origin, Sec-Fetch-Site, session token). Opening `/?token=<token>` once sets
 * an HttpOnly SameSite=Strict cookie and redirects to the same page without the token.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../ipc/csp.ts';
import type { Dispatch } from '../ipc/dispatch.ts';
import type { EventBus } from '../ipc/events.ts';
import { HTTP_CALL_PREFIX, MEDIA_PREFIX } from '../ipc/names.ts';
import type { GalleryStore } from '../storage/gallery.ts';
import { readJsonBody, sendJson, statusForError, unauthorizedPage } from './responses.ts';
import {
  bearerToken,
  checkHost,
  checkOrigin,
  hostPolicy,
  readCookie,
  sessionCookie,
  sessionCookieName,
  tokensEqual,
} from './security.ts';
import { resolveUnder, sendFile } from './static.ts';
import { attachEventSocket } from './ws.ts';

export interface ServerOptions {
  dispatch: Dispatch;
  events: EventBus;
  gallery: GalleryStore;
  /** the built renderer (dist/renderer) */
  rendererDir: string;
  token: string;
  host: string;
  /** 0 = any free port */
  port: number;
  /** when the port is taken, take a free one instead of failing */
  portFallback: boolean;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** http://host:port/ */
  origin: string;
  /** the URL to open: origin + ?token=... */
  url: string;
  close(): Promise<void>;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The URL path with its percent-escapes decoded; undefined when one is malformed ("%E0%A4%A", "%zz"). */
function decodedPath(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  let port = opts.port;
  const authorized = (req: IncomingMessage): boolean =>
    tokensEqual(opts.token, readCookie(req.headers.cookie, sessionCookieName(port))) ||
    tokensEqual(opts.token, bearerToken(req.headers.authorization));
  /** null when the request may proceed, else [status, reason] */
  const gate = (req: IncomingMessage): [number, string] | null => {
    const hostProblem = checkHost(req.headers.host, hostPolicy(opts.host, port));
    if (hostProblem) return [403, hostProblem];
    const originProblem = checkOrigin(req.headers.origin, req.headers.host);
    if (originProblem) return [403, originProblem];
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' && req.headers['sec-fetch-mode'] !== 'navigate') return [403, 'cross-site requests are not allowed'];
    return null;
  };

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: String(err) } });
      else res.destroy();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = gate(req);
    if (refused) return sendJson(res, refused[0], { ok: false, error: { code: 'FORBIDDEN', message: refused[1] } });
    const url = new URL(req.url ?? '/', 'http://reverie.invalid');
    const method = req.method ?? 'GET';
    const pathname = decodedPath(url.pathname);
    if (pathname === undefined) {
      return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: `the URL path ${JSON.stringify(url.pathname)} has a malformed percent-escape (% must be followed by two hex digits of valid UTF-8)` } });
    }
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && (method === 'GET' || method === 'HEAD')) {
      if (!tokensEqual(opts.token, queryToken)) return unauthorizedPage(res, 'The token in this URL is not the one of the running Reverie session.');
      url.searchParams.delete('token');
      res.writeHead(303, { 'Set-Cookie': sessionCookie(port, opts.token), Location: url.pathname + url.search, 'Cache-Control': 'no-store' });
      return void res.end();
    }
    if (!authorized(req)) {
      if (url.pathname.startsWith('/api/')) return sendJson(res, 401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong session token' } });
      return unauthorizedPage(res, 'This page needs the session token.');
    }
    if (url.pathname.startsWith(HTTP_CALL_PREFIX)) {
      if (method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: 'calls are POST requests' } });
      const body = await readJsonBody(req);
      if (!body.ok) return sendJson(res, body.status, { ok: false, error: body.error });
      const envelope = await opts.dispatch(pathname.slice(HTTP_CALL_PREFIX.length), body.value);
      return sendJson(res, envelope.ok ? 200 : statusForError(envelope.error.code), envelope);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: `${method} is not allowed here` } });
    const head = method === 'HEAD';
    if (url.pathname.startsWith(`${MEDIA_PREFIX}gallery/`)) {
      const file = opts.gallery.resolveFile(pathname.slice(`${MEDIA_PREFIX}gallery/`.length));
      if (file && (await sendFile(res, file, 'private, max-age=86400', head))) return;
      return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'no such image' } });
    }
    const file = resolveUnder(opts.rendererDir, url.pathname === '/' ? '/index.html' : url.pathname);
    const cache = url.pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-store';
    if (file && (await sendFile(res, file, cache, head))) return;
    if (path.extname(url.pathname) === '') {
      // client-side routes fall back to the app shell
      if (await sendFile(res, path.join(opts.rendererDir, 'index.html'), 'no-store', head)) return;
      return sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: `the renderer is not built (${opts.rendererDir}/index.html missing); run "npm run build"` } });
    }
    return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `nothing at ${url.pathname}` } });
  };

  const socket = attachEventSocket(server, opts.events, (req) => gate(req) ?? (authorized(req) ? null : [401, 'missing or wrong session token']));
  port = await listen(server, opts.host, opts.port, opts.portFallback);
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const origin = `http://${hostForUrl}:${port}/`;
  return {
    server,
    port,
    origin,
    url: `${origin}?token=${opts.token}`,
    close: async () => {
      socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listen(server: Server, host: string, port: number, fallback: boolean): Promise<number> {
  const attempt = (p: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, host);
    });
  try {
    return await attempt(port);
  } catch (err) {
    if (fallback && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') return attempt(0);
    throw err;
  }
}
