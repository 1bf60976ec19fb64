/** Command-line options of browser mode (`npm start` without Electron, `npm run serve`). */
export const DEFAULT_PORT = 7870;

export interface ServeOptions {
  host: string;
  /** --host was given: listening beyond loopback is then allowed */
  hostExplicit: boolean;
  port: number;
  /** --port / REVERIE_PORT was given: a busy port is then an error instead of a fallback */
  portExplicit: boolean;
  open: boolean;
  help: boolean;
}

export const SERVE_HELP = `Reverie browser mode: serves the studio and its API on this machine.

Options:
  --host <address>   address to listen on (default 127.0.0.1). Anything beyond loopback must be
                     given explicitly, e.g. --host 0.0.0.0 on a headless GPU box; the session
                     token is always required and Host/Origin headers are checked.
  --port <n>         port (default ${DEFAULT_PORT} or REVERIE_PORT; a busy default port falls back to a free one)
  --open             open Chromium in app mode (default for npm start)
  --no-open          do not open a browser
  -h, --help         this text

Environment: REVERIE_DATA_DIR (app data folder), REVERIE_PORT.`;

export class ArgsError extends Error {
  override name = 'ArgsError';
}

export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const opts: ServeOptions = { host: '127.0.0.1', hostExplicit: false, port: DEFAULT_PORT, portExplicit: false, open: false, help: false };
  const envPort = env.REVERIE_PORT?.trim();
  if (envPort) {
    opts.port = parsePort(envPort, 'REVERIE_PORT');
    opts.portExplicit = true;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new ArgsError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--host':
        opts.host = value();
        opts.hostExplicit = true;
        break;
      case '--port':
        opts.port = parsePort(value(), '--port');
        opts.portExplicit = true;
        break;
      case '--open':
        opts.open = true;
        break;
      case '--no-open':
        opts.open = false;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case '--serve':
        break; // the mode switch of start.mjs
      default:
        throw new ArgsError(`unknown option ${JSON.stringify(arg)} (see --help)`);
    }
  }
  return opts;
}

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ArgsError(`${what} must be a port number 0–65535, got ${JSON.stringify(text)}`);
  return n;
}
