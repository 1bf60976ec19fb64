// ESLint flat config: TypeScript and Svelte, plus the import-layering rules of the architecture
// (house rule 5): the engine never imports electron (nor app/ipc/server/preload); only app, preload
// and ipc may import electron; only engine/runtime/ort.ts imports onnxruntime-node; the renderer
// reaches the main side only through src-renderer/src/lib/api (type imports of the contract, plus
// the zod-free call/event name list), and only lib/api touches window.reverie.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ELECTRON = { name: 'electron', message: 'Only src-main/app, src-main/preload and src-main/ipc may import electron (the engine and browser mode run in plain Node).' };
const ORT = { name: 'onnxruntime-node', message: 'Only src-main/engine/runtime/ort.ts imports onnxruntime-node; use its OrtModel/createSession instead.' };
const ENGINE_OUTWARD = {
  regex: '(^|/)(app|ipc|server|preload)/',
  message: 'The engine must not depend on the app, the IPC layer, browser mode or the preload (it runs in-process, in a child process and in the CLI).',
};
const RENDERER_MAIN = {
  regex: 'src-main/(?!ipc/(contract|names)\\.ts$)',
  message: 'The renderer reaches the main side only through src-renderer/src/lib/api (type imports from src-main/ipc/contract.ts).',
};
const RENDERER_CONTRACT = {
  regex: 'src-main/ipc/contract\\.ts$',
  allowTypeImports: true,
  message: 'Import the contract with `import type` (its zod schemas are for the main side).',
};
const RENDERER_NAMES = {
  regex: 'src-main/ipc/names\\.ts$',
  message: 'Only src-renderer/src/lib/api uses the call/event name list; elsewhere use the API from lib/api.',
};
const NODE_IN_RENDERER = { regex: '^node:', message: 'The renderer runs in a browser sandbox: no Node modules.' };

const restricted = (paths, patterns = []) => ['error', { paths, patterns }];

const WINDOW_REVERIE = ['window', 'globalThis', 'self'].map((object) => ({
  selector: `MemberExpression[object.name='${object}'][property.name='reverie']`,
  message: 'Only src-renderer/src/lib/api touches window.reverie; use getApi() from lib/api.',
}));

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'test-results/**', '**/node_modules/**', 'models/*/recipe/work/**', 'src-renderer/.svelte-kit/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // text cleaning (tokenizer) matches control characters on purpose
      'no-control-regex': 'off',
      // numeric constants copied from reference implementations (Cephes, torch) carry more digits than a double holds
      'no-loss-of-precision': 'off',
    },
  },
  // ── layering ─────────────────────────────────────────────────────────
  {
    files: ['src-main/**/*.{ts,mjs,js}', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([ELECTRON, ORT]) },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([ELECTRON, ORT], [ENGINE_OUTWARD]) },
  },
  {
    files: ['src-main/engine/runtime/ort.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([ELECTRON], [ENGINE_OUTWARD]) },
  },
  {
    files: ['src-main/app/**/*.ts', 'src-main/preload/**/*.ts', 'src-main/ipc/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([ORT]) },
  },
  {
    // tests may use Electron's types to describe the objects they stand in for, and ORT directly
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restricted([{ ...ELECTRON, allowTypeImports: true }]) },
  },
  {
    files: ['src-renderer/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': restricted([ELECTRON, ORT], [RENDERER_MAIN, RENDERER_CONTRACT, RENDERER_NAMES, NODE_IN_RENDERER]),
      'no-restricted-syntax': ['error', ...WINDOW_REVERIE],
    },
  },
  {
    files: ['src-renderer/src/lib/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restricted([ELECTRON, ORT], [RENDERER_MAIN, RENDERER_CONTRACT, NODE_IN_RENDERER]),
      'no-restricted-syntax': 'off',
    },
  },
  {
    files: ['src-renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  // ── Svelte ───────────────────────────────────────────────────────────
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);
