/** The app's engine process: an Electron utilityProcess running dist/main/engine-worker.cjs. */
import { utilityProcess } from 'electron';
import type { WorkerExit, WorkerPort } from '../engine/hosting/process-host.ts';
import { ProcessHost, WORKER_V8_FLAGS } from '../engine/hosting/process-host.ts';

/**
 * A utility process's exit as a WorkerExit. Its 'exit' event carries only a code; for a child killed by
 * a signal on POSIX, Chromium reports the signal's number as that code (base::GetTerminationStatus:
 * WTERMSIG), so 9 is SIGKILL — the system running out of memory (engine/hosting/exit-report.ts).
 * The engine never exits with 9 itself.
 */
function utilityExit(code: number): WorkerExit {
  return process.platform !== 'win32' && code === 9 ? { code, signal: 'SIGKILL' } : { code, signal: null };
}

export function utilityWorker(entry: string, env: NodeJS.ProcessEnv): WorkerPort {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Reverie engine', stdio: 'inherit', env, execArgv: [...WORKER_V8_FLAGS] });
  return {
    get pid() {
      return child.pid ?? null;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(utilityExit(code))),
    kill: () => void child.kill(),
  };
}

export function createUtilityProcessHost(entry: string, env: NodeJS.ProcessEnv = process.env): ProcessHost {
  const host = new ProcessHost('utility-process', () => utilityWorker(entry, env));
  host.start();
  return host;
}
