import { describe, expect, it } from 'vitest';
import { jobSizeText } from '../../../src-renderer/src/lib/state/format.ts';

const none = { result: null, input: null, modelDefault: null };

describe('jobSizeText (the queue rows, issue 17 item 7)', () => {
  it('says the size the job makes, from what is known, and never "?×?"', () => {
    expect(jobSizeText('txt2img', { width: 1024, height: 768 }, none)).toBe('1024 × 768');
    expect(jobSizeText('txt2img', {}, { ...none, modelDefault: { width: 512, height: 512 } })).toBe('512 × 512');
    // an edit job at the input's shape: its input until the result is there
    expect(jobSizeText('img2img', {}, { ...none, input: { width: 96, height: 64 }, modelDefault: { width: 512, height: 512 } })).toBe('from 96 × 64');
    expect(jobSizeText('img2img', {}, { result: { width: 512, height: 344 }, input: { width: 96, height: 64 }, modelDefault: null })).toBe('512 × 344');
    expect(jobSizeText('denoise', { width: 256, height: 256 }, none)).toBe('256 × 256');
    expect(jobSizeText('inpaint', {}, none)).toBe('');
  });
});
