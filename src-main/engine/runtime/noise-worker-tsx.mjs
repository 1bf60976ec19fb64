// The noise thread's script when the engine runs from its TypeScript sources (CLI, tests): a worker does
// not inherit the parent's tsx loader, and `--import tsx` in a worker's execArgv does not register it
// either (Node 20), so register it here and load the real entry. Bundles use dist/main/noise-worker.cjs.
import { register } from 'tsx/esm/api';

register();
await import('./noise-worker.ts');
