/** The `reverie` command run in this process for the CLI unit tests: `main` with captured output. */
import { PassThrough } from 'node:stream';
import { main } from '../../../src-main/cli/main.ts';

export type Sink = PassThrough & { isTTY: boolean; columns: number; text(): string };

/** A stream that keeps what is written to it (80 columns; a terminal when `isTTY`). */
export function sink(isTTY = false): Sink {
  const s = new PassThrough() as Sink;
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.isTTY = isTTY;
  s.columns = 80;
  s.text = () => Buffer.concat(chunks).toString('utf8');
  return s;
}

/** Runs `reverie ...argv` with a data folder that does not exist; resolves with its exit code and output. */
export async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr, env: { REVERIE_DATA_DIR: '/nonexistent-reverie-test' }, cwd: process.cwd() });
  return { code, out: stdout.text(), err: stderr.text() };
}
