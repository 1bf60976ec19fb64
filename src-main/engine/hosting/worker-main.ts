/** Entry point of the engine process (bundled as dist/main/engine-worker.cjs). */
import { runWorker } from './worker.ts';

runWorker();
