// The house's layering, checked by dependency-cruiser in `npm run check` (npm run deps):
//   no import circles anywhere in src-main or src-renderer (type-only imports included);
//   the engine never imports Electron, the app, the server, the IPC layer, the preload, the CLI or storage;
//   hosting (running the engine in another OS process) is the engine's top floor: nothing else in
//   the engine imports it;
//   the renderer reaches the main side only through the typed contract (ipc/contract.ts) and the
//   call/event name list (ipc/names.ts).
// The folder table these rules enforce is in src-main/README.md. ESLint keeps the finer import
// rules (which file may import onnxruntime-node, who touches window.reverie).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle means a type or function lives in the wrong file: move it down to a file both sides can import.',
      from: { path: '^src-(main|renderer)/' },
      to: { circular: true },
    },
    {
      name: 'engine-stays-engine',
      severity: 'error',
      comment: 'The engine runs in-process, in a child process and in the CLI: it must not depend on Electron, the app, browser mode, the IPC layer, the preload, the CLI or storage.',
      from: { path: '^src-main/engine/' },
      to: { path: ['^src-main/(app|server|ipc|preload|cli|storage|build)/', '(^|/)node_modules/electron/'] },
    },
    {
      name: 'hosting-is-the-top-floor',
      severity: 'error',
      comment: 'engine/hosting runs the engine in another OS process; the rest of the engine never imports it.',
      from: { path: '^src-main/engine/', pathNot: '^src-main/engine/hosting/' },
      to: { path: '^src-main/engine/hosting/' },
    },
    {
      name: 'renderer-through-the-contract',
      severity: 'error',
      comment: 'The renderer reaches the main side only through src-main/ipc/contract.ts (types) and src-main/ipc/names.ts, from src-renderer/src/lib/api.',
      from: { path: '^src-renderer/' },
      to: { path: '^src-main/', pathNot: '^src-main/ipc/(contract|names)[.]ts$' },
    },
    {
      name: 'only-electron-sides-import-electron',
      severity: 'error',
      comment: 'Only src-main/app, src-main/preload and src-main/ipc may import electron.',
      from: { path: '^src-main/', pathNot: '^src-main/(app|preload|ipc)/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'Every relative import resolves to a file.',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|\\.svelte-kit)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mjs', '.js', '.svelte', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
