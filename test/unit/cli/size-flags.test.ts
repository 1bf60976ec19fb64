/** The SDXL size flags and --compare-sde: parsing, usage errors (exit 2, one line, before any model is loaded) and help. */
import { describe, expect, it } from 'vitest';
import { COMPARE_HELP, compareOption } from '../../../src-main/cli/commands/compare-sde.ts';
import { SIZE_CONDITIONING_HELP, sizeConditioningFlags } from '../../../src-main/cli/commands/size-flags.ts';
import { UsageError } from '../../../src-main/cli/usage.ts';
import { run } from './in-process.ts';

describe('--original-size, --crop-top-left, --target-size', () => {
  it('parse WxH and X,Y into the run’s sizeConditioning; none given is undefined', () => {
    expect(sizeConditioningFlags({})).toBeUndefined();
    expect(sizeConditioningFlags({ 'original-size': '2048x1536', 'crop-top-left': '32,0', 'target-size': '1024x1024' })).toEqual({
      originalSize: { width: 2048, height: 1536 },
      cropTopLeft: { x: 32, y: 0 },
      targetSize: { width: 1024, height: 1024 },
    });
    expect(sizeConditioningFlags({ 'crop-top-left': '8x4' })).toEqual({ cropTopLeft: { x: 8, y: 4 } });
    expect(() => sizeConditioningFlags({ 'target-size': '1024' })).toThrow(new UsageError('--target-size expects WxH in whole pixels, e.g. 1024x1024; got "1024"'));
  });

  it.each([
    [['--original-size', '1024'], 'error: --original-size expects WxH in whole pixels, e.g. 1024x1024; got "1024"'],
    [['--crop-top-left', '-8,0'], 'error: --crop-top-left expects X,Y in whole pixels, e.g. 0,0; got "-8,0"'],
    [['--target-size', '1024x1024.5'], 'error: --target-size expects WxH in whole pixels, e.g. 1024x1024; got "1024x1024.5"'],
    [['--sde-sampler', 'euler_ancestral'], 'error: --sde-sampler is the stochastic side of --compare-sde; add --compare-sde'],
    [['--compare-sde', '--batch-size', '2'], 'error: --compare-sde makes one image per sampler; leave out --batch-size and --batch-count'],
    [['--compare-sde', '--sampler', 'Euler a'], 'error: --compare-sde runs --sampler as the ODE side, which must be deterministic; Euler a adds noise every step (try euler, heun or dpmpp_2m; see reverie samplers)'],
    [['--compare-sde', '--sde-sampler', 'dpmpp_2m'], 'error: --sde-sampler must add noise every step; DPM++ 2M is deterministic (try euler_ancestral, dpmpp_2m_sde or dpmpp_sde; see reverie samplers)'],
  ])('generate %j → exit 2 with one line, before a model is looked for', async (flags, line) => {
    const r = await run(['generate', '--model', '/nonexistent-model', '--prompt', 'a', '--out', 'x.png', ...flags]);
    expect([r.code, r.err, r.out]).toEqual([2, `${line}\n`, '']);
  });

  it('an out-of-range size is the engine’s BAD_INPUT: exit 2, naming the field', async () => {
    const r = await run(['generate', '--model', 'test/fixtures/models/sdxl-tiny', '--prompt', 'a', '--out', '/tmp/never.png', '--original-size', '0x512']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: SDXL original size width must be a whole number of pixels from 1 to 16384, got 0; leave it out to use the image size\n');
  });

  it('are in the help of generate, img2img and inpaint; --compare-sde in generate’s', async () => {
    for (const cmd of ['generate', 'img2img', 'inpaint']) {
      const help = (await run([cmd, '--help'])).out;
      for (const flag of ['--original-size WxH', '--crop-top-left X,Y', '--target-size WxH']) expect(help, `${cmd} ${flag}`).toContain(flag);
    }
    const generate = (await run(['generate', '--help'])).out;
    expect(generate).toContain('--compare-sde');
    expect(generate).toContain('--sde-sampler ID');
    for (const line of `${SIZE_CONDITIONING_HELP}\n${COMPARE_HELP}`.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('compareOption: euler vs euler_ancestral by default; an A1111 label’s schedule goes to both sides', () => {
    expect(compareOption({}, {})).toBeUndefined();
    expect(compareOption({ 'compare-sde': true }, {})).toEqual({ ode: 'euler', sde: 'euler_ancestral' });
    expect(compareOption({ 'compare-sde': true, sampler: 'DPM++ 2M Karras', 'sde-sampler': 'dpmpp_2m_sde' }, { batchSize: 1 })).toEqual({ ode: 'dpmpp_2m', sde: 'dpmpp_2m_sde', schedule: 'karras' });
  });
});
