import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/types.ts';

describe('EngineError', () => {
  it('carries a code and a plain message', () => {
    const e = new EngineError('BAD_INPUT', 'steps must be at least 1, got 0');
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/steps/);
  });
});
