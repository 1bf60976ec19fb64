import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModelFolders } from '../../../../src-main/engine/models/model-list.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'models');

describe('model list with defaults', () => {
  it("gives each valid folder its default size and whether it is guidance-distilled", async () => {
    const list = await listModelFolders([FIXTURES, path.join(FIXTURES, 'no-such-root')]);
    const byName = new Map(list.map((m) => [m.name, m]));
    // "reverie" default_size in model_index.json
    expect(byName.get('reverie-tiny')).toMatchObject({ valid: true, defaultWidth: 256, defaultHeight: 256, guidanceFree: false, sizeStep: 8 });
    // the VAE config's block_out_channels (5 entries) say ×16: the Generate form steps sizes by 16
    expect(byName.get('reverie-f16')).toMatchObject({ valid: true, family: 'reverie', sizeStep: 16 });
    // no unet/config.json saying how often the UNet halves the latents: the VAE factor alone
    expect(byName.get('sd15-script')?.sizeStep).toBe(8);
    // family defaults: SD 1.5 at 512, SD 2.x v-prediction at 768, SD-Turbo at 512 without guidance
    expect(byName.get('sd15-script')).toMatchObject({ valid: true, defaultWidth: 512, defaultHeight: 512, guidanceFree: false });
    expect(byName.get('sd2-v')).toMatchObject({ valid: true, family: 'sd2', defaultWidth: 768, defaultHeight: 768 });
    expect(byName.get('sd-turbo')).toMatchObject({ valid: true, family: 'sd-turbo', guidanceFree: true, defaultWidth: 512 });
    // SDXL: unet/config.json's sample_size × the VAE factor (128 × 8; SDXL-Turbo 64 × 8, without guidance)
    expect(byName.get('sdxl-tiny')).toMatchObject({ valid: true, family: 'sdxl', defaultWidth: 1024, defaultHeight: 1024, guidanceFree: false, sizeStep: 8, problems: [] });
    expect(byName.get('sdxl-tiny')?.warnings).toBeUndefined();
    expect(byName.get('sdxl-turbo-tiny')).toMatchObject({ valid: true, family: 'sdxl-turbo', defaultWidth: 512, defaultHeight: 512, guidanceFree: true });
    expect(byName.get('sdxl-refiner-refused')).toMatchObject({ valid: false });
    const broken = byName.get('broken-missing-unet');
    expect(broken?.valid).toBe(false);
    expect(broken?.defaultWidth).toBeUndefined();
    // sorted by name within a root, like the folder scan
    const names = list.map((m) => m.name);
    expect(names).toEqual([...names].sort());
  });

  it("steps reverie-mini's sizes by 64: a ×16 VAE and a UNet with three levels (two halvings)", async () => {
    const list = await listModelFolders([path.resolve(import.meta.dirname, '..', '..', '..', '..', 'models')]);
    expect(list.find((m) => m.name === 'reverie-mini')).toMatchObject({ valid: true, defaultWidth: 256, sizeStep: 64 });
  });
});
