/** The app's engine process: an Electron utilityProcess running dist/main/engine-worker.cjs. */
import { utilityProcess } from 'electron';
import type { WorkerPort } from '../engine/hosting/process-host.ts';
import { ProcessHost } from '../engine/hosting/process-host.ts';

export function utilityWorker(entry: string, env: NodeJS.ProcessEnv): WorkerPort {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Reverie engine', stdio: 'inherit', env });
  return {
    get pid() {
      return child.pid ?? null;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener({ code, signal: null })),
    kill: () => void child.kill(),
  };
}

export function createUtilityProcessHost(entry: string, env: NodeJS.ProcessEnv = process.env): ProcessHost {
  const host = new ProcessHost('utility-process', () => utilityWorker(entry, env));
  host.start();
  return host;
}
