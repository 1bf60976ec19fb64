/** jobs.submit's SDXL size conditioning: typed, on txt2img and the edit kinds, refused with messages that name the field. */
import { describe, expect, it } from 'vitest';
import { JobRequestSchema } from '../../../src-main/ipc/schemas/jobs.ts';

const txt2img = (sizeConditioning: unknown) => JobRequestSchema.safeParse({ kind: 'txt2img', params: { model: '/m/sdxl', prompt: 'a fox', sizeConditioning } });
const messages = (r: ReturnType<typeof txt2img>): string[] => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('sizeConditioning in job requests', () => {
  it('takes original size, crop top-left and target size, each optional, on txt2img and img2img', () => {
    const sc = { originalSize: { width: 2048, height: 1536 }, cropTopLeft: { x: 0, y: 32 }, targetSize: { width: 1024, height: 1024 } };
    const r = txt2img(sc);
    expect(r.success && r.data.params.sizeConditioning).toEqual(sc);
    expect(txt2img({}).success).toBe(true);
    const edit = JobRequestSchema.safeParse({ kind: 'img2img', params: { model: '/m/sdxl', prompt: 'a fox', image: { gallery: 'abc' }, sizeConditioning: { cropTopLeft: { x: 8, y: 0 } } } });
    expect(edit.success && edit.data.params.sizeConditioning).toEqual({ cropTopLeft: { x: 8, y: 0 } });
  });

  it('refuses what is not whole pixels in range, and unknown keys, naming the field', () => {
    expect(messages(txt2img({ originalSize: { width: 0, height: 512 } }))).toEqual(['params.sizeConditioning.originalSize.width: original width must be at least 1 pixel']);
    expect(messages(txt2img({ cropTopLeft: { x: -1, y: 0 } }))).toEqual(['params.sizeConditioning.cropTopLeft.x: crop x must be 0 or more (0, 0 is an uncropped picture)']);
    expect(messages(txt2img({ targetSize: { width: 1024, height: 20000 } }))).toEqual(['params.sizeConditioning.targetSize.height: target height must be at most 16384 pixels']);
    expect(messages(txt2img({ targetSize: { width: 1024.5, height: 1024 } }))).toEqual(['params.sizeConditioning.targetSize.width: target width must be a whole number of pixels']);
    expect(txt2img({ crop: { x: 1, y: 1 } }).success).toBe(false);
  });
});
