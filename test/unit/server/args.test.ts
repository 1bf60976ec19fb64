import { describe, expect, it } from 'vitest';
import { ArgsError, DEFAULT_PORT, parseServeArgs } from '../../../src-main/server/args.ts';

describe('serve arguments', () => {
  it('defaults to loopback, the default port with fallback, no browser', () => {
    expect(parseServeArgs([], {})).toEqual({ host: '127.0.0.1', hostExplicit: false, port: DEFAULT_PORT, portExplicit: false, open: false, help: false });
  });

  it('reads --host, --port (both forms), --open/--no-open and REVERIE_PORT', () => {
    expect(parseServeArgs(['--host', '0.0.0.0', '--port=9000', '--open'], {})).toMatchObject({ host: '0.0.0.0', hostExplicit: true, port: 9000, portExplicit: true, open: true });
    expect(parseServeArgs(['--open', '--no-open'], {}).open).toBe(false);
    expect(parseServeArgs([], { REVERIE_PORT: '8123' })).toMatchObject({ port: 8123, portExplicit: true });
  });

  it('says what is wrong with bad arguments', () => {
    expect(() => parseServeArgs(['--port', 'http'], {})).toThrow(ArgsError);
    expect(() => parseServeArgs(['--port', '70000'], {})).toThrow(/0–65535, got "70000"/);
    expect(() => parseServeArgs(['--host'], {})).toThrow(/--host needs a value/);
    expect(() => parseServeArgs(['--verbose'], {})).toThrow(/unknown option "--verbose"/);
  });
});
