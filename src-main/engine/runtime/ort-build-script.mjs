// The optimized-model cache's build, in a child process of its own (see ort-build.ts). Plain JavaScript
// so that it runs as it is under Node and Electron-as-Node, from the sources and from
// dist/main/ort-build-script.cjs (built from this file).
//
// usage: node ort-build-script.mjs ORT_ENTRY MODEL OUT_MODEL OPTIONS_JSON
// It creates a CPU session for MODEL with the session options in OPTIONS_JSON (every graph
// optimization, optimizedModelFilePath OUT_MODEL and its external weights file), which makes ONNX Runtime
// write the optimized graph, releases it and prints one line `REVERIE_ORT_BUILD {"ok":bool,"detail":string}`.
// No top-level await: esbuild turns this file into CommonJS.
import { createRequire } from 'node:module';

const MARKER = 'REVERIE_ORT_BUILD ';

function answer(verdict) {
  process.stdout.write(`${MARKER}${JSON.stringify(verdict)}\n`, () => process.exit(0));
}

async function build(ortEntry, model, outModel, optionsJson) {
  const ort = createRequire(ortEntry)(ortEntry);
  const session = await ort.InferenceSession.create(model, { ...JSON.parse(optionsJson), optimizedModelFilePath: outModel });
  await session.release();
  return { ok: true, detail: 'the optimized graph was written' };
}

const [ortEntry, model, outModel, optionsJson] = process.argv.slice(2);
if (!ortEntry || !model || !outModel || !optionsJson) {
  answer({ ok: false, detail: 'build script called without ORT_ENTRY MODEL OUT_MODEL OPTIONS_JSON' });
} else {
  build(ortEntry, model, outModel, optionsJson).then(answer, (err) => answer({ ok: false, detail: String(err?.message ?? err) }));
}
