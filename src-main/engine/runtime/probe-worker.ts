/**
 * Probes one execution provider in a worker thread: create a session for a one-node model (y = x·x,
 * float32 [2], 76 bytes, built with onnx.helper and embedded below), run it, check the numbers.
 * onnxruntime-node creates sessions synchronously on the calling thread, so a hanging GPU driver would
 * freeze the engine; in a worker it only costs the worker, which is abandoned after `timeoutMs`.
 * The worker loads onnxruntime-node by the path ort.ts resolved (ort.ts stays its only importer).
 */
import { Worker } from 'node:worker_threads';

/** ONNX model: graph "probe", input x float32 [2], output y = Mul(x, x), opset 13. */
const PROBE_MODEL_BASE64 =
  'CAcSB3JldmVyaWU6OQoOCgF4CgF4EgF5IgNNdWwSBXByb2JlWg8KAXgSCgoICAESBAoCCAJiDwoBeRIKCggIARIECgIIAkIECgAQDQ==';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  try {
    const ort = require(workerData.ortPath);
    const model = Buffer.from(workerData.model, 'base64');
    const session = await ort.InferenceSession.create(model, { executionProviders: [workerData.provider] });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1.5, -2]), [2]) });
    const y = Array.from(out.y.data);
    await session.release();
    const ok = y[0] === 2.25 && y[1] === 4;
    parentPort.postMessage({ ok, detail: ok ? 'a test session ran' : 'a test session returned wrong numbers: ' + y.join(', ') });
  } catch (err) {
    parentPort.postMessage({ ok: false, detail: String(err && err.message ? err.message : err) });
  }
})();
`;

export interface ProbeVerdict {
  ok: boolean;
  detail: string;
}

export function runProbeWorker(ortPath: string, provider: string, timeoutMs: number): Promise<ProbeVerdict> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortPath, provider, model: PROBE_MODEL_BASE64 },
      stdout: true,
      stderr: true,
    });
    // ORT and Dawn print warnings (e.g. "Couldn't load Vulkan") on the worker's stderr: drop them.
    worker.stdout.resume();
    worker.stderr.resume();
    const finish = (verdict: ProbeVerdict): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(verdict);
      // a worker stuck in native code may never stop; unref it so it cannot keep the process alive
      worker.unref();
      void worker.terminate().catch(() => undefined);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `no answer within ${timeoutMs} ms (the driver may be hanging)` }),
      timeoutMs,
    );
    worker.on('message', (msg: unknown) => finish(parseVerdict(msg)));
    worker.on('error', (err: Error) => finish({ ok: false, detail: err.message }));
    worker.on('exit', (code) => finish({ ok: false, detail: `probe worker exited with code ${code}` }));
  });
}

function parseVerdict(msg: unknown): ProbeVerdict {
  if (typeof msg === 'object' && msg !== null && 'ok' in msg && 'detail' in msg) {
    return { ok: msg.ok === true, detail: String(msg.detail) };
  }
  return { ok: false, detail: 'probe worker sent an unexpected message' };
}
