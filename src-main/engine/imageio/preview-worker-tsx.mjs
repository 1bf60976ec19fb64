// The preview thread's script when the engine runs from its TypeScript sources (CLI, tests): a worker
// does not inherit the parent's tsx loader (see runtime/noise-worker-tsx.mjs), so register it here and
// load the real entry. Bundles use dist/main/preview-worker.cjs.
import { register } from 'tsx/esm/api';

register();
await import('./preview-worker.ts');
