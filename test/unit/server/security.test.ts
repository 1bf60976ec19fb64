import { describe, expect, it } from 'vitest';
import { bearerToken, checkBindHost, checkHost, checkOrigin, hostPolicy, newSessionToken, parseHostHeader, readCookie, sessionCookie, tokensEqual } from '../../../src-main/server/security.ts';

describe('browser-mode security checks', () => {
  it('makes long random tokens and compares them exactly', () => {
    const a = newSessionToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newSessionToken()).not.toBe(a);
    expect(tokensEqual(a, a)).toBe(true);
    expect(tokensEqual(a, a.slice(1))).toBe(false);
    expect(tokensEqual(a, undefined)).toBe(false);
    expect(tokensEqual(a, '')).toBe(false);
  });

  it('sets an HttpOnly SameSite=Strict cookie named after the port and reads it back', () => {
    const cookie = sessionCookie(7870, 'tok');
    expect(cookie).toBe('reverie_session_7870=tok; HttpOnly; SameSite=Strict; Path=/');
    expect(readCookie('a=1; reverie_session_7870=tok; b=2', 'reverie_session_7870')).toBe('tok');
    expect(readCookie('reverie_session_7871=tok', 'reverie_session_7870')).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  it('parses Host headers including IPv6', () => {
    expect(parseHostHeader('127.0.0.1:7870')).toEqual({ hostname: '127.0.0.1', port: 7870 });
    expect(parseHostHeader('[::1]:7870')).toEqual({ hostname: '::1', port: 7870 });
    expect(parseHostHeader('LocalHost')).toEqual({ hostname: 'localhost', port: null });
    expect(parseHostHeader('a b')).toBeNull();
    expect(parseHostHeader(undefined)).toBeNull();
  });

  it('accepts loopback names on our port and refuses DNS names (rebinding) and other ports', () => {
    const loopback = hostPolicy('127.0.0.1', 7870);
    expect(checkHost('127.0.0.1:7870', loopback)).toBeNull();
    expect(checkHost('localhost:7870', loopback)).toBeNull();
    expect(checkHost('[::1]:7870', loopback)).toBeNull();
    expect(checkHost('evil.example:7870', loopback)).toMatch(/DNS rebinding/);
    expect(checkHost('127.0.0.1:7871', loopback)).toMatch(/port 7871/);
    expect(checkHost('192.168.1.5:7870', loopback)).toMatch(/not a name/);
    expect(checkHost(undefined, loopback)).toMatch(/missing/);
  });

  it('on --host 0.0.0.0 accepts any IP literal but still no DNS name', () => {
    const all = hostPolicy('0.0.0.0', 7870);
    expect(checkHost('192.168.1.5:7870', all)).toBeNull();
    expect(checkHost('[fe80::1]:7870', all)).toBeNull();
    expect(checkHost('gpu-box.lan:7870', all)).toMatch(/DNS rebinding/);
    expect(checkHost('gpu-box.lan:7870', hostPolicy('gpu-box.lan', 7870))).toBeNull();
  });

  it('accepts only our own Origin (or none)', () => {
    expect(checkOrigin(undefined, '127.0.0.1:7870')).toBeNull();
    expect(checkOrigin('http://127.0.0.1:7870', '127.0.0.1:7870')).toBeNull();
    expect(checkOrigin('http://evil.example', '127.0.0.1:7870')).toMatch(/evil\.example/);
    expect(checkOrigin('null', '127.0.0.1:7870')).toMatch(/not allowed/);
    expect(checkOrigin('http://127.0.0.1:7871', '127.0.0.1:7870')).toMatch(/not allowed/);
  });

  it('refuses to listen beyond loopback unless --host was given', () => {
    expect(checkBindHost('127.0.0.1', false)).toBeNull();
    expect(checkBindHost('::1', false)).toBeNull();
    expect(checkBindHost('0.0.0.0', false)).toMatch(/--host 0\.0\.0\.0/);
    expect(checkBindHost('0.0.0.0', true)).toBeNull();
  });
});
