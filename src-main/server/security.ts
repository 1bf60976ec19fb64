/**
 * Browser mode's gatekeeping, as pure functions (unit tested without a server):
 *  - a random session token, required on every request (cookie after the first visit, or
 *    `Authorization: Bearer <token>` for scripts);
 *  - Host header check against DNS rebinding: the hostname must be one we serve under
 *    (loopback names, the --host value, any IP literal when bound to all interfaces) and the
 *    port ours; a rebinding attack always arrives with the attacker's domain name as Host;
 *  - Origin check: when a browser sends Origin it must be exactly our own origin.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export function newSessionToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Cookies are not port-scoped, so the name carries the port (two sessions can coexist). */
export function sessionCookieName(port: number): string {
  return `reverie_session_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${sessionCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

export interface HostPolicy {
  port: number;
  /** hostnames accepted in the Host header, lower case, IPv6 without brackets */
  names: ReadonlySet<string>;
  /** bound to all interfaces: accept any IP literal (never a DNS name) */
  anyIp: boolean;
}

export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'] as const;

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function hostPolicy(bindHost: string, port: number): HostPolicy {
  const bind = bindHost.toLowerCase().replace(/^\[|\]$/g, '');
  const anyIp = bind === '0.0.0.0' || bind === '::';
  return { port, names: new Set<string>([...LOOPBACK_NAMES, bind]), anyIp };
}

/** Splits a Host header into hostname (IPv6 without brackets, lower case) and port. */
export function parseHostHeader(value: string | undefined): { hostname: string; port: number | null } | null {
  if (!value) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  return { hostname: m[1].toLowerCase().replace(/^\[|\]$/g, ''), port: m[2] === undefined ? null : Number(m[2]) };
}

/** null when the Host header is acceptable, otherwise the reason it is not. */
export function checkHost(value: string | undefined, policy: HostPolicy): string | null {
  const parsed = parseHostHeader(value);
  if (!parsed) return `missing or malformed Host header (${JSON.stringify(value ?? null)})`;
  const port = parsed.port ?? 80;
  if (port !== policy.port) return `Host header port ${port} is not this server's port ${policy.port}`;
  if (policy.names.has(parsed.hostname)) return null;
  if (policy.anyIp && isIP(parsed.hostname) !== 0) return null;
  return `Host "${parsed.hostname}" is not a name this server answers to (protection against DNS rebinding); use http://127.0.0.1:${policy.port}/ or start with --host ${parsed.hostname}`;
}

/** null when the Origin header is absent or exactly our origin (`http://` + the Host header). */
export function checkOrigin(origin: string | undefined, hostHeader: string | undefined): string | null {
  if (origin === undefined) return null;
  if (!hostHeader) return 'Origin sent without a Host header';
  if (origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`) return null;
  return `requests from origin ${JSON.stringify(origin)} are not allowed`;
}

/** Refuses to listen beyond loopback unless the user asked for it explicitly with --host. */
export function checkBindHost(host: string, explicit: boolean): string | null {
  if (isLoopbackHost(host) || explicit) return null;
  return `refusing to listen on ${host} without an explicit --host (other machines could reach Reverie); pass --host ${host} to confirm`;
}
