/** The studio and the CLI refuse the same prompt length, each saying the length and the limit (issue 18, item 7). */
import { describe, expect, it } from 'vitest';
import { MAX_PROMPT_CHARS as ENGINE_MAX, checkPromptLength } from '../../../src-main/engine/pipelines/prompt-limit.ts';
import { checkTxt2ImgParams } from '../../../src-main/engine/pipelines/params.ts';
import { MAX_PROMPT_CHARS as SCHEMA_MAX } from '../../../src-main/ipc/schemas/prompt.ts';
import { Txt2ImgParamsSchema } from '../../../src-main/ipc/schemas/txt2img.ts';
import { EngineError } from '../../../src-main/engine/types.ts';

describe('prompt length limit', () => {
  it('is the same number in the engine (CLI) and the studio schemas', () => {
    expect(SCHEMA_MAX).toBe(ENGINE_MAX);
  });

  it('the studio schema takes the limit and refuses one more, naming length and limit', () => {
    expect(Txt2ImgParamsSchema.safeParse({ model: 'm', prompt: 'x'.repeat(SCHEMA_MAX) }).success).toBe(true);
    const r = Txt2ImgParamsSchema.safeParse({ model: 'm', prompt: 'x', negativePrompt: 'x'.repeat(SCHEMA_MAX + 1) });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(`the negative prompt is ${SCHEMA_MAX + 1} characters; Reverie takes at most ${SCHEMA_MAX} (the model reads only its first few hundred tokens): shorten it`);
  });

  it('the engine refuses a longer prompt or negative prompt before any model loads (BAD_INPUT)', () => {
    expect(() => checkPromptLength('prompt', 'x'.repeat(ENGINE_MAX))).not.toThrow();
    const err = (() => {
      try {
        checkTxt2ImgParams({ modelDir: '/nowhere', prompt: 'a cat', negativePrompt: 'y'.repeat(30_000) });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('BAD_INPUT');
    expect((err as EngineError).message).toMatch(/^the negative prompt is 30 000 characters; Reverie takes at most 20 000\. /);
  });
});
