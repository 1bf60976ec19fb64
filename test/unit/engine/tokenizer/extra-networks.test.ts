import { describe, expect, it } from 'vitest';
import { extractExtraNetworks, loraTag } from '../../../../src-main/engine/tokenizer/extra-networks.ts';

describe('A1111 extra-network tags in prompts', () => {
  it('takes <lora:name:weight> tags out of the text, in order, with weight 1 when none is written', () => {
    const r = extractExtraNetworks('a cat <lora:paper cut:0.7>, (red:1.2) <LORA:ink> <lyco:old:-0.5>');
    expect(r.text).toBe('a cat , (red:1.2)  ');
    expect(r.networks).toEqual([
      { kind: 'lora', name: 'paper cut', weight: 0.7 },
      { kind: 'lora', name: 'ink', weight: 1 },
      { kind: 'lora', name: 'old', weight: -0.5 },
    ]);
  });

  it('leaves text without tags alone and marks an unreadable weight as NaN', () => {
    expect(extractExtraNetworks('a < b and c > d')).toEqual({ text: 'a < b and c > d', networks: [] });
    expect(extractExtraNetworks('<lora:x:heavy>').networks[0]!.weight).toBeNaN();
  });

  it('writes tags the way A1111 does and reads them back', () => {
    expect(loraTag('ink', 0.8)).toBe('<lora:ink:0.8>');
    expect(loraTag('ink', 1 / 3)).toBe('<lora:ink:0.3333>');
    expect(extractExtraNetworks(loraTag('my lora', 0.25)).networks).toEqual([{ kind: 'lora', name: 'my lora', weight: 0.25 }]);
  });
});
