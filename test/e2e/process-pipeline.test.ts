/**
 * The pipeline, opened up (Process → Pipeline): one run from the Generate tab's settings, shown as a
 * chain of stages; the token ids are the model's tokenizer's, the guidance split's statistics obey
 * uncond + CFG·(cond − uncond) = guided, every stage opens with its tensors; arrows move between
 * stages; it fits at 1280×800 and 900×700.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../src-main/engine/tokenizer/clip-bpe.ts';
import { screenshotPath } from './harness.ts';
import { openTab } from './edit-helpers.ts';
import { FIXTURE_MODELS, field, promptField, useStudioSession } from './studio.ts';

const session = useStudioSession({ model: 'sd15-script' });

const STAGES = ['Tokens', 'Text embeddings', 'Noise schedule', 'Latents per step', 'Guidance split', 'VAE decode'];

describe('Pipeline view', () => {
  it('runs one generation and opens every stage with its real tensors', { timeout: 150_000 }, async () => {
    const page = session.page;
    await promptField(page).fill('a red cat');
    await field(page, 'spinbutton', 'Steps').fill('6');
    await field(page, 'spinbutton', 'Width').fill('128');
    await field(page, 'spinbutton', 'Height').fill('128');
    await openTab(page, 'Process');
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByRole('heading', { name: 'The pipeline, opened up' }).waitFor();
    await page.getByRole('button', { name: 'Run the pipeline' }).click();

    const centre = page.getByRole('region', { name: 'Pipeline stages of this run' });
    const chain = centre.getByRole('tablist', { name: 'Pipeline stages' });
    await chain.waitFor({ timeout: 60_000 });
    expect(await chain.getByRole('tab').evaluateAll((tabs) => tabs.map((t) => t.querySelector('.label')?.textContent))).toEqual(STAGES);
    await expect(page.getByLabel('What ran').innerText()).resolves.toMatch(/seed \d+ · 6 steps · .* · CFG 7 · 128 × 128$/);

    // tokens: the very ids of the model's tokenizer, BOS … EOS, then padding to the encoder's length
    const tokenizer = await ClipTokenizer.fromFolder(path.join(FIXTURE_MODELS, 'sd15-script', 'tokenizer'));
    const expected = Array.from(tokenizer.encodePadded('a red cat').ids);
    const ids = centre.getByRole('list', { name: 'Token ids' });
    const chips = await ids.getByRole('listitem').evaluateAll((items) => items.map((li) => [li.querySelector('.text')?.textContent ?? '', Number(li.querySelector('.id')?.textContent)] as const));
    expect(chips.slice(0, 5)).toEqual([['<|startoftext|>', expected[0]], ['a', expected[1]], ['red', expected[2]], ['cat', expected[3]], ['<|endoftext|>', expected[4]]]);
    expect(chips[5]).toEqual([`${tokenizer.padToken} × ${expected.length - 5}`, expected[5]]);
    await expect(centre.getByRole('table', { name: 'Tensors of Tokens' }).innerText()).resolves.toContain(`[1 × ${expected.length}] int32`);
    await page.screenshot({ path: screenshotPath('process-pipeline-tokens') });

    // keyboard: arrows walk the chain, End jumps to the decoder
    await chain.getByRole('tab', { name: /Tokens/ }).focus();
    await page.keyboard.press('ArrowRight');
    await chain.getByRole('tab', { name: /Text embeddings/, selected: true }).waitFor();
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('stage-tab-embeddings'); // a string: no DOM types here
    await centre.getByRole('img', { name: /^Heatmap of the prompt embedding: 77 rows/ }).waitFor();
    await expect(centre.getByRole('table', { name: 'Tensors of Text embeddings' }).innerText()).resolves.toMatch(/prompt embedding \(cond\)\s+\[1 × 77 × \d+\] float32/);
    await page.keyboard.press('End');
    await chain.getByRole('tab', { name: /VAE decode/, selected: true }).waitFor();
    await centre.getByRole('img', { name: 'Decoded image, 128 × 128' }).waitFor();
    await expect(centre.getByRole('table', { name: 'Tensors of VAE decode' }).innerText()).resolves.toMatch(/decoded pixels \(−1 … 1\)\s+\[1 × 3 × 128 × 128\] float32/);
    await page.keyboard.press('Home');
    await chain.getByRole('tab', { name: /Tokens/, selected: true }).waitFor();

    await chain.getByRole('tab', { name: /Noise schedule/ }).click();
    await expect(centre.getByRole('table', { name: 'Tensors of Noise schedule' }).innerText()).resolves.toMatch(/sigmas\s+\[7\] float64\s+0\s/);

    await chain.getByRole('tab', { name: /Latents per step/ }).click();
    const latents = centre.getByRole('group', { name: 'Latents at step 6' });
    await latents.waitFor();
    await expect(latents.getByRole('img', { name: /^channel \d of x_t at step 6/ }).count()).resolves.toBe(4);
    await page.getByRole('slider', { name: 'Step' }).fill('0');
    await centre.getByRole('group', { name: 'Latents at step 1' }).waitFor();

    // the guidance split: mean is linear, so the guided mean = uncond's + 7 × (cond's − uncond's)
    await chain.getByRole('tab', { name: /Guidance split/ }).click();
    await page.getByRole('slider', { name: 'Step' }).fill('2');
    const split = centre.getByRole('group', { name: 'Guidance split at step 3' });
    await split.waitFor();
    await expect(split.getByRole('img').count()).resolves.toBe(5);
    const rows = await centre.getByRole('table', { name: 'Tensors of Guidance split' }).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', ...Array.from(tr.querySelectorAll('td'), (td) => (td as { textContent: string | null }).textContent ?? '')]));
    expect(rows.map((r) => r[0])).toEqual(['x̂₀ without the prompt (uncond)', 'x̂₀ with the prompt (cond)', 'cond − uncond', '7 · (cond − uncond)', 'guided x̂₀ = uncond + scale · (cond − uncond)']);
    const mean = (k: number): number => Number(rows[k][4]);
    const [u, c, d, scaled, g] = [0, 1, 2, 3, 4].map(mean);
    const tol = 2e-3 * (Math.abs(u) + 7 * Math.abs(c) + 7 * Math.abs(u) + Math.abs(g)) + 1e-6;
    expect(Math.abs(u + 7 * (c - u) - g)).toBeLessThan(tol);
    expect(Math.abs(7 * d - scaled)).toBeLessThan(1e-2 * Math.abs(scaled) + 1e-6);

    await page.getByRole('button', { name: 'Hide the queue' }).click();
    for (const [width, height] of [[1280, 800], [900, 700]]) {
      await page.setViewportSize({ width, height });
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`process-pipeline-${width}x${height}`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(session.consoleErrors).toEqual([]);
  });
});
