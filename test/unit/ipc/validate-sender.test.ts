import { describe, expect, it } from 'vitest';
import { isAppUrl, senderProblem } from '../../../src-main/ipc/validate-sender.ts';

const main = { url: 'reverie://app/index.html', processId: 4, routingId: 1 };

describe('IPC sender validation', () => {
  it('accepts our main frame on our origin', () => {
    expect(senderProblem(main, main)).toBeNull();
    expect(senderProblem({ ...main, url: 'reverie://app/index.html#/gallery' }, main)).toBeNull();
  });

  it('refuses other frames, foreign origins and missing frames', () => {
    expect(senderProblem({ ...main, routingId: 2 }, main)).toMatch(/other than the main window/);
    expect(senderProblem({ ...main, processId: 9 }, main)).toMatch(/other than the main window/);
    expect(senderProblem({ ...main, url: 'https://evil.example/' }, main)).toMatch(/foreign origin/);
    expect(senderProblem({ ...main, url: 'file:///etc/passwd' }, main)).toMatch(/foreign origin/);
    expect(senderProblem(null, main)).toMatch(/gone/);
    expect(senderProblem(main, null)).toMatch(/no main window/);
  });

  it('recognises only reverie://app as the app origin', () => {
    expect(isAppUrl('reverie://app/x.js')).toBe(true);
    expect(isAppUrl('reverie://app.evil/x.js')).toBe(false);
    expect(isAppUrl('reverie://user:pw@app/')).toBe(false);
    expect(isAppUrl('reverie://app:99/')).toBe(false);
    expect(isAppUrl('http://app/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});
