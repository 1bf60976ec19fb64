/**
 * A component opened on demand (models/on-demand.ts): opened once for callers at the same time,
 * released and reopened, and never closed under a use that is still running.
 */
import { describe, expect, it } from 'vitest';
import { OnDemand } from '../../../../src-main/engine/models/on-demand.ts';
import type { ModelSession } from '../../../../src-main/engine/runtime/session.ts';

/** a stand-in component: what the tests watch is when its session is opened and closed */
function component(log: string[], n: number): { session: ModelSession; n: number } {
  const session = { dispose: async () => void log.push(`close ${n}`) } as unknown as ModelSession;
  return { session, n };
}

describe('OnDemand', () => {
  it('opens once for callers at the same time, and again after a release', async () => {
    const log: string[] = [];
    let opens = 0;
    const c = new OnDemand(async () => component(log, ++opens), 'unet/model.onnx');
    const [a, b] = await Promise.all([c.get(), c.get()]);
    expect(a).toBe(b);
    expect(opens).toBe(1);
    await c.release();
    expect(c.opened).toBeUndefined();
    expect((await c.get()).n).toBe(2);
    await c.dispose();
    expect(log).toEqual(['close 1', 'close 2']);
    await expect(c.get()).rejects.toThrow('unet/model.onnx: session used after dispose()');
  });

  it('waits for a use in flight before it closes the session', async () => {
    const log: string[] = [];
    const c = new OnDemand(async () => component(log, 1), 'unet/model.onnx', component(log, 0));
    let finish = (): void => undefined;
    const using = c.use(async (v) => {
      log.push(`use ${v.n}`);
      await new Promise<void>((resolve) => (finish = resolve));
      log.push(`used ${v.n}`);
    });
    const releasing = c.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['use 0']);
    finish();
    await Promise.all([using, releasing]);
    expect(log).toEqual(['use 0', 'used 0', 'close 0']);
    // the next use opens it again
    expect(await c.use(async (v) => v.n)).toBe(1);
  });
});
