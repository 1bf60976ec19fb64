import { describe, expect, it } from 'vitest';
import { formatA1111, parseA1111, quoteA1111 } from '../../../../src-main/engine/imageio/a1111.ts';
import { formatInfotext, metadataFromA1111 } from '../../../../src-main/engine/imageio/metadata.ts';

// Hand-written in the exact shape stable-diffusion-webui 1.10 writes (create_infotext).
const TYPICAL = [
  'masterpiece, 1girl, "smile", (blue eyes:1.2), <lora:add_detail:0.5>',
  'Negative prompt: lowres, bad anatomy, (worst quality:1.4)',
  'Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1',
].join('\n');

const MULTILINE = [
  'a castle on a hill,',
  'at sunset',
  '',
  'BREAK dramatic sky',
  'Negative prompt: blurry,',
  'jpeg artifacts',
  'Steps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 5.5, Seed: 4294967295, Size: 768x512, Model: my model, Hires prompt: "a \\"quoted\\" one, with comma", Denoising strength: 0.4',
].join('\n');

const NO_NEGATIVE = 'a cat\nSteps: 4, Sampler: Euler, CFG scale: 1, Seed: 0, Size: 256x256, Model: tiny';
const NO_PROMPT = 'Negative prompt: ugly\nSteps: 4, Sampler: Euler, CFG scale: 1, Seed: 0, Size: 256x256, Model: tiny';
const NOT_INFOTEXT = 'just a caption: with a colon, and a comma';

describe('A1111 infotext parser', () => {
  it('parses the typical three-part text, keeping unknown keys and quoted values', () => {
    const p = parseA1111(TYPICAL);
    expect(p.prompt).toBe('masterpiece, 1girl, "smile", (blue eyes:1.2), <lora:add_detail:0.5>');
    expect(p.negativePrompt).toBe('lowres, bad anatomy, (worst quality:1.4)');
    expect(p.settings).toEqual([
      ['Steps', '20'],
      ['Sampler', 'DPM++ 2M'],
      ['Schedule type', 'Karras'],
      ['CFG scale', '7'],
      ['Seed', '1234'],
      ['Size', '512x768'],
      ['Model hash', '6ce0161689'],
      ['Model', 'v1-5-pruned-emaonly'],
      ['Lora hashes', 'add_detail: 7c6bad76eb54'],
      ['Version', 'v1.10.1'],
    ]);
    const m = metadataFromA1111(p);
    expect(m).toMatchObject({ source: 'a1111', steps: 20, sampler: 'DPM++ 2M', schedule: 'Karras', cfgScale: 7, seed: 1234, width: 512, height: 768, model: 'v1-5-pruned-emaonly' });
    expect(m.extra).toEqual({ 'Model hash': '6ce0161689', 'Lora hashes': 'add_detail: 7c6bad76eb54', Version: 'v1.10.1' });
  });

  it('parses multi-line prompt and negative, escaped quotes inside quoted values', () => {
    const p = parseA1111(MULTILINE);
    expect(p.prompt).toBe('a castle on a hill,\nat sunset\n\nBREAK dramatic sky');
    expect(p.negativePrompt).toBe('blurry,\njpeg artifacts');
    const m = metadataFromA1111(p);
    expect(m.cfgScale).toBe(5.5);
    expect(m.seed).toBe(4294967295);
    expect(m.model).toBe('my model');
    expect(m.extra['Hires prompt']).toBe('a "quoted" one, with comma');
    expect(m.extra['Denoising strength']).toBe('0.4');
  });

  it('handles a missing negative, a missing prompt, CRLF and text that is not infotext', () => {
    expect(parseA1111(NO_NEGATIVE)).toMatchObject({ prompt: 'a cat', negativePrompt: '' });
    expect(parseA1111(NO_PROMPT)).toMatchObject({ prompt: '', negativePrompt: 'ugly' });
    expect(parseA1111(TYPICAL.replace(/\n/g, '\r\n'))).toEqual(parseA1111(TYPICAL));
    // fewer than three key: value pairs on the last line → it is part of the prompt
    expect(parseA1111(NOT_INFOTEXT)).toEqual({ prompt: NOT_INFOTEXT, negativePrompt: '', settings: [] });
  });

  it('formats A1111-written texts back byte for byte', () => {
    for (const text of [TYPICAL, MULTILINE, NO_NEGATIVE, NO_PROMPT]) expect(formatA1111(parseA1111(text))).toBe(text);
  });
});

describe('A1111 infotext formatter', () => {
  it('quotes exactly the values A1111 quotes', () => {
    expect(quoteA1111('Euler a')).toBe('Euler a');
    expect(quoteA1111('a, b')).toBe('"a, b"');
    expect(quoteA1111('k: v')).toBe('"k: v"');
    expect(quoteA1111('two\nlines')).toBe('"two\\nlines"');
    expect(quoteA1111('say "hi", ok')).toBe('"say \\"hi\\", ok"');
    expect(quoteA1111('猫, 犬')).toBe('"猫, 犬"'); // ensure_ascii=False
  });

  it('writes our fields in A1111 order and round-trips awkward prompts and values', () => {
    const text = formatInfotext({
      prompt: 'a "cat", sitting:\non a mat, 猫',
      negativePrompt: 'Steps: 1, Sampler: x, Seed: 2', // looks like a settings line, but is not the last line
      steps: 25,
      sampler: 'DPM++ 2M SDE',
      schedule: 'Karras',
      cfgScale: 6.5,
      seed: 42,
      width: 640,
      height: 384,
      model: 'reverie-tiny, v2',
      extra: [['Version', 'Reverie 0.1.0'], ['Note', 'line one\nline two']],
    });
    expect(text.split('\n').at(-1)).toBe(
      'Steps: 25, Sampler: DPM++ 2M SDE, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 640x384, Model: "reverie-tiny, v2", Version: Reverie 0.1.0, Note: "line one\\nline two"',
    );
    const back = metadataFromA1111(parseA1111(text));
    expect(back).toEqual({
      source: 'a1111',
      prompt: 'a "cat", sitting:\non a mat, 猫',
      negativePrompt: 'Steps: 1, Sampler: x, Seed: 2',
      steps: 25,
      sampler: 'DPM++ 2M SDE',
      schedule: 'Karras',
      cfgScale: 6.5,
      seed: 42,
      width: 640,
      height: 384,
      model: 'reverie-tiny, v2',
      extra: { Version: 'Reverie 0.1.0', Note: 'line one\nline two' },
    });
  });

  it('parse(format(p)) === p for a table of prompts', () => {
    const prompts = ['', 'x', 'a, b: c', 'multi\nline\nprompt', '"quoted"', 'emoji 🐈 and ümlaut', '(a:1.2), [b|c], {d}'];
    for (const prompt of prompts) {
      for (const negativePrompt of ['', 'bad, worse', 'two\nlines']) {
        const p = { prompt, negativePrompt, settings: [['Steps', '3'], ['Sampler', 'Euler'], ['Seed', '7'], ['Odd key', 'v, "w"']] as [string, string][] };
        expect(parseA1111(formatA1111(p))).toEqual(p);
      }
    }
  });
});
