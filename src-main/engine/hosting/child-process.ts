/**
 * Browser mode's engine process: a Node child process (child_process.fork) of the bundled
 * engine worker, with structured-clone serialisation so typed arrays and PNG bytes cross intact.
 */
import { fork } from 'node:child_process';
import type { ForkOptions } from 'node:child_process';
import type { ProcessHostOptions, WorkerPort } from './process-host.ts';
import { ProcessHost, WORKER_V8_FLAGS } from './process-host.ts';

export interface ChildProcessOptions extends ProcessHostOptions {
  /** the worker script: dist/main/engine-worker.cjs, or worker-main.ts with execArgv ['--import', 'tsx'] */
  entry: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

export function forkWorker(opts: ChildProcessOptions): WorkerPort {
  const forkOptions: ForkOptions = {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: opts.env ?? process.env,
    execArgv: [...WORKER_V8_FLAGS, ...(opts.execArgv ?? [])],
  };
  const child = fork(opts.entry, [], forkOptions);
  return {
    pid: child.pid ?? null,
    send: (message) => {
      if (!child.connected) throw new Error('engine process channel is closed');
      child.send(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => {
      let told = false;
      const tell = (exit: { code: number | null; signal: string | null }): void => {
        if (told) return;
        told = true;
        listener(exit);
      };
      child.once('exit', (code, signal) => tell({ code, signal }));
      // spawn failures emit 'error' and possibly no 'exit'; an unhandled 'error' would crash the host
      child.once('error', () => tell({ code: child.exitCode ?? -1, signal: null }));
    },
    kill: () => void child.kill(),
  };
}

export function createChildProcessHost(opts: ChildProcessOptions): ProcessHost {
  const host = new ProcessHost('child-process', () => forkWorker(opts), opts);
  host.start();
  return host;
}
