/**
 * A request the main side refuses (issue 17, item 6): with REVERIE_MEMORY_LIMIT low, a large batch
 * is refused when it is submitted (OUT_OF_MEMORY). The refusal shows once, in the user's terms
 * beside the Generate button, without its code; it goes when the inputs change, and a job that fits
 * then runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotOnFailure, screenshotPath, startSession, stopSession } from './harness.ts';
import type { Session } from './harness.ts';
import { FIXTURE_MODELS, field, openStudio, pickModel, promptField } from './studio.ts';

let session: Session | undefined;
const page = () => {
  if (!session) throw new Error('no session');
  return session.page;
};

beforeAll(async () => {
  session = await startSession({ modelsDirs: [FIXTURE_MODELS], provider: 'cpu' }, { env: { REVERIE_MEMORY_LIMIT: '200M' } });
  await openStudio(session.page, session.reverie);
  await pickModel(session.page, 'reverie-tiny');
});
screenshotOnFailure(() => session?.page);
afterAll(() => stopSession(session?.browser, session?.reverie));

const REFUSAL = /This job needs about .* of memory/;

describe('a refused request', () => {
  it('shows the refusal once, without a code, and drops it when the inputs change', async () => {
    const p = page();
    await promptField(p).fill('too many at once');
    await field(p, 'spinbutton', 'Width').fill('2048');
    await field(p, 'spinbutton', 'Height').fill('2048');
    await field(p, 'spinbutton', 'Batch size').fill('16');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    const alert = p.getByRole('alert').filter({ hasText: REFUSAL });
    await alert.waitFor({ timeout: 30_000 });
    await p.screenshot({ path: screenshotPath('errors-generate-refused') });
    await expect(p.getByText(REFUSAL).count()).resolves.toBe(1);
    expect(await alert.innerText()).not.toMatch(/OUT_OF_MEMORY|Error:|\bat \S+ \(/); // its code, a stack
    // nothing was queued
    await expect(p.getByRole('button', { name: /^Queue/ }).getAttribute('aria-label')).resolves.toBe('Queue: 0 running, 0 waiting');
    await field(p, 'spinbutton', 'Batch size').fill('1');
    await alert.waitFor({ state: 'detached' });
  });

  it('a job that fits then runs', async () => {
    const p = page();
    await field(p, 'spinbutton', 'Width').fill('256');
    await field(p, 'spinbutton', 'Height').fill('256');
    await field(p, 'spinbutton', 'Steps').fill('4');
    await p.getByRole('button', { name: 'Generate', exact: true }).click();
    await p.getByRole('img', { name: /^Result: too many at once/ }).waitFor({ timeout: 60_000 });
    await expect(p.getByText(REFUSAL).count()).resolves.toBe(0);
    // the refused call's HTTP error status is all Chromium logs (browser mode answers OUT_OF_MEMORY with 422)
    expect(session?.consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of \d{3}/.test(e))).toEqual([]);
    expect(session?.consoleErrors.length).toBeLessThanOrEqual(1);
  });
});
