/** The Generate form's SDXL size conditioning: sent for SDXL models only, only what differs; kept, restored and read back from PNGs. */
import { describe, expect, it } from 'vitest';
import type { ImageParameters, ModelReport } from '../../../src-renderer/src/lib/api/types.ts';
import { GenerateForm } from '../../../src-renderer/src/lib/state/generate-form.svelte.ts';
import { SdxlSizeSettings } from '../../../src-renderer/src/lib/state/sdxl-size.svelte.ts';

const model = (name: string, size: number, family?: ModelReport['family']): ModelReport => ({
  id: `/models/${name}`,
  path: `/models/${name}`,
  name,
  root: '/models',
  valid: true,
  problems: [],
  defaultWidth: size,
  defaultHeight: size,
  guidanceFree: false,
  ...(family ? { family } : {}),
});
const XL = model('sdxl', 1024, 'sdxl');
const SD15 = model('sd15', 512, 'sd1');

const params = (p: Partial<ImageParameters>): ImageParameters => ({ source: 'a1111', prompt: 'a fox', negativePrompt: '', extra: {}, ...p });

describe('SdxlSizeSettings', () => {
  it('sends nothing at the defaults; a size with one side empty takes the other from the image', () => {
    const s = new SdxlSizeSettings();
    expect(s.isDefault).toBe(true);
    expect(s.request(1024, 768)).toBeUndefined();
    s.originalWidth = 2048;
    s.cropY = 16;
    expect(s.request(1024, 768)).toEqual({ originalSize: { width: 2048, height: 768 }, cropTopLeft: { x: 0, y: 16 } });
    s.targetHeight = 512.4;
    expect(s.request(1024, 768)?.targetSize).toEqual({ width: 1024, height: 512 });
    s.cropX = -5;
    expect(s.cropX).toBe(0);
    s.reset();
    expect([s.isDefault, s.request(1024, 768)]).toEqual([true, undefined]);
  });
});

describe('GenerateForm with SDXL size conditioning', () => {
  it('is part of an SDXL model’s request only, and of inputsKey', () => {
    const form = new GenerateForm({ validModels: [XL, SD15] });
    expect(form.isSdxl).toBe(true);
    const before = form.inputsKey;
    form.sdxlSize.originalWidth = 2048;
    form.sdxlSize.originalHeight = 2048;
    expect(form.inputsKey).not.toBe(before);
    expect(form.toRequest('cpu')?.params).toMatchObject({ width: 1024, height: 1024, sizeConditioning: { originalSize: { width: 2048, height: 2048 } } });
    form.modelId = SD15.id;
    expect(form.isSdxl).toBe(false);
    expect(form.toRequest('cpu')?.params).not.toHaveProperty('sizeConditioning');
  });

  it('"use these parameters" restores the sizes a PNG carries and clears them for one without', () => {
    const form = new GenerateForm({ validModels: [XL] });
    form.applyParameters(params({ width: 1024, height: 1024, sizeConditioning: { cropTopLeft: { x: 32, y: 0 }, targetSize: { width: 768, height: 768 } } }));
    expect(form.sdxlSize.snapshot()).toEqual({ originalWidth: null, originalHeight: null, cropX: 32, cropY: 0, targetWidth: 768, targetHeight: 768 });
    expect(form.toRequest('cpu')?.params.sizeConditioning).toEqual({ cropTopLeft: { x: 32, y: 0 }, targetSize: { width: 768, height: 768 } });
    form.applyParameters(params({}));
    expect(form.sdxlSize.isDefault).toBe(true);
  });

  it('a reload keeps them; an older snapshot without them leaves the defaults', () => {
    const form = new GenerateForm({ validModels: [XL] });
    form.sdxlSize.cropX = 8;
    form.sdxlSize.targetWidth = 640;
    const again = new GenerateForm({ validModels: [XL] });
    expect(again.restore(JSON.parse(JSON.stringify(form.snapshot())))).toBe(true);
    expect(again.sdxlSize.snapshot()).toEqual(form.sdxlSize.snapshot());
    const { sdxlSize: _, ...old } = form.snapshot();
    const third = new GenerateForm({ validModels: [XL] });
    expect(third.restore(old)).toBe(true);
    expect(third.sdxlSize.isDefault).toBe(true);
  });
});
