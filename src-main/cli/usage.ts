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

/** parseArgs with our error style: "unknown option --foo (see reverie generate --help)". */
export function parse<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option '([^']+)'.*$/s, 'unknown option $1');
    throw new UsageError(`${message} (see reverie ${command} --help)`);
  }
}

/** A whole number (optionally negative), strictly: "12", "-1"; not "1e3", "12px", "". */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${name} expects a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
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
