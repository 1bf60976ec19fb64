// The provider probe's child process (see probe.ts). Plain JavaScript so that it runs as it is under
// Node and Electron-as-Node, from the sources and from dist/main/probe-script.cjs (built from this file).
//
// usage: node probe-script.mjs ORT_ENTRY PROVIDER MODEL_BASE64
// It creates a session for the one-node probe model on PROVIDER, runs it, checks the numbers and
// prints one line `REVERIE_PROBE {"ok":bool,"detail":string}` on stdout. Whatever ONNX Runtime or a
// driver prints on stderr (e.g. Dawn's "Couldn't load Vulkan") goes to the parent, which keeps it out
// of the user's terminal. No top-level await: esbuild turns this file into CommonJS.
import { createRequire } from 'node:module';

const MARKER = 'REVERIE_PROBE ';

function answer(verdict) {
  process.stdout.write(`${MARKER}${JSON.stringify(verdict)}\n`, () => process.exit(0));
}

async function probe(ortEntry, provider, modelBase64) {
  const ort = createRequire(ortEntry)(ortEntry);
  const session = await ort.InferenceSession.create(Buffer.from(modelBase64, 'base64'), { executionProviders: [provider] });
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1.5, -2]), [2]) });
  const y = Array.from(out.y.data);
  await session.release();
  const ok = y[0] === 2.25 && y[1] === 4;
  return { ok, detail: ok ? 'a test session ran' : `a test session returned wrong numbers: ${y.join(', ')} (expected 2.25, 4)` };
}

const [ortEntry, provider, modelBase64] = process.argv.slice(2);
if (!ortEntry || !provider || !modelBase64) {
  answer({ ok: false, detail: 'probe script called without ORT_ENTRY PROVIDER MODEL_BASE64' });
} else {
  probe(ortEntry, provider, modelBase64).then(answer, (err) => answer({ ok: false, detail: String(err?.message ?? err) }));
}
