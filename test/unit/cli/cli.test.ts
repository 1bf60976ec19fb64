import { describe, expect, it } from 'vitest';
import { outputPaths } from '../../../src-main/cli/commands/outputs.ts';
import { BUNDLED_MODELS, resolveModelDir } from '../../../src-main/cli/model-roots.ts';
import { ProgressReporter } from '../../../src-main/cli/progress.ts';
import { UsageError, intOption, numberOption } from '../../../src-main/cli/usage.ts';
import { scanModelFolders } from '../../../src-main/engine/models/folder.ts';
import { SAMPLERS } from '../../../src-main/engine/samplers/registry.ts';
import { run, sink } from './in-process.ts';

describe('argument helpers', () => {
  it('parses whole numbers and decimals strictly', () => {
    expect(intOption('steps', '20')).toBe(20);
    expect(intOption('seed', '-1')).toBe(-1);
    expect(intOption('steps', undefined)).toBeUndefined();
    expect(() => intOption('steps', '2.5')).toThrow(new UsageError('--steps expects a whole number, got "2.5"'));
    expect(() => intOption('width', '512px')).toThrow(/--width expects a whole number, got "512px"/);
    expect(() => intOption('steps', '')).toThrow(UsageError);
    expect(numberOption('cfg', '7.5')).toBe(7.5);
    expect(numberOption('cfg', '.5')).toBe(0.5);
    expect(() => numberOption('cfg', 'NaN')).toThrow(/--cfg expects a number, got "NaN"/);
    expect(() => numberOption('cfg', '1e3')).toThrow(UsageError);
  });

  it('names several outputs FILE-1.png, FILE-2.png, ...', () => {
    expect(outputPaths('/o/img.png', 1)).toEqual(['/o/img.png']);
    expect(outputPaths('/o/img.png', 3)).toEqual(['/o/img-1.png', '/o/img-2.png', '/o/img-3.png']);
    expect(outputPaths('rel/a.b.PNG', 2)).toEqual(['rel/a.b-1.PNG', 'rel/a.b-2.PNG']);
  });
});

describe('reverie command dispatch and errors (in-process)', () => {
  it.each([
    [['generate', '--out', 'x.png'], 'error: missing --prompt TEXT (use --prompt "" for an unconditional image)'],
    [['generate', '--prompt', 'a'], 'error: missing --out FILE.png'],
    [['generate', '--prompt', 'a', '--out', 'x.jpg'], 'error: --out must name a .png file, got "x.jpg"'],
    [['generate', '--prompt', 'a', '--out', 'x.png', '--bogus'], 'error: unknown option --bogus (see reverie generate --help)'],
    [['generate', '--prompt', 'a', '--out', 'x.png', 'stray'], 'error: unexpected argument "stray" (see reverie generate --help)'],
    [['generate', '--prompt', 'a', '--out', 'x.png', '--steps', 'ten'], 'error: --steps expects a whole number, got "ten"'],
    [['tokenize'], 'error: missing TEXT to tokenize (see reverie tokenize --help)'],
    [['frobnicate'], 'error: unknown command "frobnicate"; commands: generate, img2img, inpaint, denoise, forward, anomaly, playground, import, tokenize, models, samplers, bench (see reverie --help)'],
  ])('%j → exit 2 with one line', async (argv, line) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${line}\n`);
    expect(r.out).toBe('');
  });

  it('a bad value the engine rejects is exit 2 as well, in one line', async () => {
    const r = await run(['generate', '--model', 'test/fixtures/models/sd15-script', '--prompt', 'a', '--out', '/tmp/never.png', '--width', '500']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: width must be a multiple of 8 (the VAE works on 8×8 blocks), got 500; nearest valid: 496 or 504\n');
  });

  it('prints help per command on stdout with exit 0; no command is usage on stderr with exit 2', async () => {
    for (const cmd of ['generate', 'tokenize', 'models', 'samplers']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: reverie ${cmd}`));
    }
    expect((await run(['--help'])).out).toMatch(/^usage: reverie <command>/);
    expect((await run(['help', 'generate'])).out).toMatch(/^usage: reverie generate/);
    const none = await run([]);
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toMatch(/^usage: reverie <command>/);
  });

  it('samplers --json is the registry table', async () => {
    const r = await run(['samplers', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { samplers: { id: string; label: string }[]; schedules: { id: string }[] };
    expect(doc.samplers.map((s) => [s.id, s.label])).toEqual(SAMPLERS.map((s) => [s.id, s.label]));
    expect(doc.schedules.map((s) => s.id)).toEqual(['normal', 'karras', 'exponential', 'sgm_uniform', 'simple']);
    const table = await run(['samplers']);
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+LABEL\s+CALLS\/STEP\s+NOISE\s+DESCRIPTION$/);
    expect(table.out).toContain('dpmpp_2m');
  });

  it('without --model uses the first valid folder of models/, or says there is none', async () => {
    const valid = (await scanModelFolders([BUNDLED_MODELS])).filter((r) => r.valid);
    if (valid.length > 0) {
      expect(await resolveModelDir(undefined, '/')).toBe(valid[0].path);
    } else {
      await expect(resolveModelDir(undefined, '/')).rejects.toThrow(new UsageError('no default model found in models/; pass --model DIR'));
      const r = await run(['tokenize', 'a cat']);
      expect([r.code, r.err]).toEqual([2, 'error: no default model found in models/; pass --model DIR\n']);
    }
  });
});

describe('progress on stderr', () => {
  it('draws a bar on a terminal and clears it at the end', () => {
    const tty = sink(true);
    const p = new ProgressReporter(tty);
    p.progress({ step: 1, total: 4, etaMs: 3000 });
    p.progress({ step: 4, total: 4, etaMs: 0 });
    expect(tty.text()).toContain('\r[##########------------------------------] 1/4 steps  ETA 3.0s');
    expect(tty.text().endsWith('\r\u001b[2K')).toBe(true);
  });

  it('writes plain lines (about every 10%) when stderr is not a terminal', () => {
    const plain = sink(false);
    const p = new ProgressReporter(plain);
    p.stage('loading', 0, 1);
    for (let i = 1; i <= 100; i++) p.progress({ step: i, total: 100, etaMs: (100 - i) * 10 });
    const lines = plain.text().trim().split('\n');
    expect(lines[0]).toBe('loading model...');
    expect(lines.length).toBe(12);
    expect(lines.at(-1)).toBe('step 100/100, ETA 0.0s');
    expect(plain.text()).not.toContain('\r');
  });
});
