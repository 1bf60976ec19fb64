import { describe, expect, it } from 'vitest';
import { statusForError } from '../../../src-main/server/responses.ts';

describe('statusForError', () => {
  it('answers a model that produced NaN like an unusable model (422), not as a server fault (500)', () => {
    expect(statusForError('NAN_OUTPUT')).toBe(422);
    expect(statusForError('MODEL_INVALID')).toBe(422);
    // a job that would not fit in memory is refused, not a server fault
    expect(statusForError('OUT_OF_MEMORY')).toBe(422);
  });

  it('a busy engine is a conflict (409), a result without a recording is not found (404)', () => {
    expect(statusForError('ENGINE_BUSY')).toBe(409);
    expect(statusForError('NO_RECORDING')).toBe(404);
  });

  it('keeps client mistakes 4xx and unknown codes 500', () => {
    expect(statusForError('BAD_INPUT')).toBe(400);
    expect(statusForError('MODEL_NOT_FOUND')).toBe(404);
    expect(statusForError('QUEUE_FULL')).toBe(429);
    expect(statusForError('ENGINE_CRASHED')).toBe(503);
    expect(statusForError('INTERNAL')).toBe(500);
    expect(statusForError('SOMETHING_NEW')).toBe(500);
  });
});
