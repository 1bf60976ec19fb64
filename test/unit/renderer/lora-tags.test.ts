import { describe, expect, it } from 'vitest';
import { promptLoras, withLora } from '../../../src-renderer/src/lib/prompt/lora-tags.ts';

describe('LoRA tags in the prompt box', () => {
  it('reads the LoRAs a prompt names, weight 1 when none is written', () => {
    expect([...promptLoras('a cat <lora:ink:0.5>, <lora:paper cut> <lyco:old:-1>')]).toEqual([['ink', 0.5], ['paper cut', 1], ['old', -1]]);
    expect(promptLoras('a < b > c').size).toBe(0);
  });

  it('adds a tag at the end, re-weights one in place, and removes one without leaving double spaces', () => {
    expect(withLora('a cat', 'ink', 1)).toBe('a cat <lora:ink:1>');
    expect(withLora('', 'ink', 0.8)).toBe('<lora:ink:0.8>');
    expect(withLora('a <lora:Ink:1> cat', 'ink', 0.333)).toBe('a <lora:ink:0.33> cat');
    expect(withLora('a <lora:ink:1> cat', 'ink', null)).toBe('a cat');
    expect(withLora('a <lora:other:1> cat', 'ink', null)).toBe('a <lora:other:1> cat');
  });
});
