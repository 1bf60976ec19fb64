/** Argument parsing helpers shared by the commands: node:util parseArgs plus strict number parsing. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** Bad usage: printed as one line and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--seed -1` as `--seed=-1`: parseArgs refuses a value that starts with a dash as "ambiguous", but a
 * negative number after an option that takes a value is what the user meant (the help offers -1).
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs with our error style: "unknown option --foo (see reverie generate --help)". */
export function parse<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option '([^']+)'.*$/s, 'unknown option $1');
    throw new UsageError(`${message} (see reverie ${command} --help)`);
  }
}

/** A whole number (optionally negative), strictly: "12", "-1"; not "1e3", "12px", "". `min`/`max` bound it. */
export function intOption(name: string, value: string | undefined, range: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} expects a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} is too large: ${value}`);
  if (range.min !== undefined && n < range.min) throw new UsageError(`--${name} must be at least ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new UsageError(`--${name} must be at most ${range.max}, got ${n}`);
  return n;
}

/** A decimal number: "7", "7.5", "-0.5". */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value.trim())) throw new UsageError(`--${name} expects a number, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (see reverie ${command} --help)`);
}
