/**
 * Two prompts from one seed (Process → Two prompts): the Generate tab's prompt and a second one, the
 * rest the same, side by side step by step; the ODE vs SDE pair is not shown here (it shares a prompt).
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath } from './harness.ts';
import { openTab } from './edit-helpers.ts';
import { field, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

describe('Two prompts', () => {
  it('runs the Generate prompt and a second one from one seed, side by side at the same step', { timeout: 120_000 }, async () => {
    const page = session.page;
    await promptField(page).fill('a red cat');
    await field(page, 'spinbutton', 'Steps').fill('8');
    await field(page, 'spinbutton', 'Width').fill('128');
    await field(page, 'spinbutton', 'Height').fill('128');
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Two prompts' }).click();
    await page.getByRole('heading', { name: 'Two prompts, one seed' }).waitFor();
    // without a second prompt it says what is missing
    await page.getByRole('button', { name: 'Run both from one seed' }).click();
    await expect(page.getByRole('complementary', { name: 'Two prompts settings' }).getByRole('alert').innerText()).resolves.toMatch(/^Write the second prompt/);

    await page.getByRole('textbox', { name: 'Second prompt' }).fill('a blue dog');
    await page.getByRole('button', { name: 'Run both from one seed' }).click();
    const pair = page.getByRole('region', { name: 'Two prompts side by side' });
    const first = pair.getByRole('figure', { name: 'a red cat' });
    const second = pair.getByRole('figure', { name: 'a blue dog' });
    await first.waitFor({ timeout: 60_000 });
    await second.waitFor();
    await expect(pair.innerText()).resolves.toMatch(/Seed \d+ · 8 steps · CFG 7/);
    // the same step on both sides; at the last step the two predictions differ
    const slider = page.getByRole('slider', { name: 'Step', exact: true });
    await slider.fill('7');
    const srcs = await Promise.all([first, second].map((f) => f.getByRole('img').getAttribute('src')));
    expect(srcs[0]).not.toBe(srcs[1]);
    await expect(first.getByRole('img').getAttribute('alt')).resolves.toMatch(/step 8 of 8/);
    await expect(second.getByRole('img').getAttribute('alt')).resolves.toMatch(/step 8 of 8/);
    const curve = pair.getByRole('img', { name: /^Distance between the two predicted images x̂₀, per step: / });
    await expect.poll(() => curve.getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/at step 1, .* largest [\d.]+ at step \d+; [\d.]+ at the step shown\.$/);
    await page.screenshot({ path: screenshotPath('process-two-prompts') });
    // the ODE vs SDE view does not present this pair as its own
    await page.getByRole('tab', { name: 'ODE vs SDE' }).click();
    await page.getByRole('heading', { name: 'ODE vs SDE' }).waitFor();
    await page.getByRole('tab', { name: 'Two prompts' }).click();
    await first.waitFor();
    expect(session.consoleErrors).toEqual([]);
  });
});
