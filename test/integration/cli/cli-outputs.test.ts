/**
 * The CLI keeps what it made: each image is written when it is done (temp + rename), so Ctrl-C or a
 * failed write mid-batch keeps the finished images, names them, and leaves no half-written PNG or
 * temporary file; write errors name the user's file in words, never a temp path or a raw errno.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngTextMap } from '../../../src-main/engine/imageio/png-chunks.ts';
import { REPO, runCli } from '../../helpers/cli.ts';
import type { CliOptions, CliRun } from '../../helpers/cli.ts';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'models', 'sd15-script');
const BASE = ['--model', FIXTURE, '--prompt', 'a red cat', '--provider', 'cpu', '--seed', '7'];

let tmp = '';
const reverie = (args: string[], opts: Omit<CliOptions, 'cwd'> = {}): Promise<CliRun> => runCli(args, { ...opts, cwd: tmp });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-cli-out-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Every file is a whole PNG carrying its A1111 parameters. */
async function expectWholePngs(files: string[]): Promise<void> {
  for (const f of files) {
    const meta = await sharp(f).metadata();
    expect(meta.format).toBe('png');
    const text = readPngTextMap(new Uint8Array(await readFile(f)));
    expect(text.get('parameters')).toMatch(/^a red cat\n/);
  }
}

describe('reverie generate keeps finished images', () => {
  it('Ctrl-C in the middle of --batch-count 10 keeps the images already done, names them, exits 130', async () => {
    const dir = path.join(tmp, 'interrupted');
    let sent = false;
    const r = await reverie(['generate', ...BASE, '--steps', '40', '--width', '128', '--height', '128', '--batch-count', '10', '--out', 'interrupted/img.png'], {
      onStderr: (text, child) => {
        if (!sent && /decoding batch 3\/10/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('error: interrupted');
    const m = /kept (\d+) of 10 images: (.*)\n/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const kept = Number(m?.[1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(10);
    const names = Array.from({ length: kept }, (_, i) => `img-${i + 1}.png`);
    expect(m?.[2]).toBe(names.map((n) => `interrupted/${n}`).join(', '));
    // exactly the kept files, whole, and no temporary leftovers
    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    await expectWholePngs(names.map((n) => path.join(dir, n)));
  });

  it('a write that fails mid-batch stops the run, keeps the earlier images and names the file and the reason', async () => {
    const dir = path.join(tmp, 'blocked');
    await mkdir(path.join(dir, 'img-3.png'), { recursive: true }); // a folder where image 3 should go
    const r = await reverie(['generate', ...BASE, '--steps', '2', '--width', '64', '--height', '64', '--batch-count', '6', '--out', 'blocked/img.png']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cannot write blocked/img-3.png: it is a folder; choose another file name (kept 2 of 6 images: blocked/img-1.png, blocked/img-2.png)');
    expect(r.stderr).not.toMatch(/\.tmp|EISDIR/);
    expect((await readdir(dir)).sort()).toEqual(['img-1.png', 'img-2.png', 'img-3.png']);
    await expectWholePngs([path.join(dir, 'img-1.png'), path.join(dir, 'img-2.png')]);
  });

  it('an output folder that cannot exist is reported in words, naming the user file', async () => {
    await writeFile(path.join(tmp, 'afile'), 'not a folder');
    const underFile = await reverie(['generate', ...BASE, '--steps', '1', '--width', '64', '--height', '64', '--out', 'afile/x.png']);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toMatch(/^error: cannot write afile\/x\.png: (a part of the path is a file, not a folder|a file of that name is in the way); .* \(no image was written\)$/m);
    expect(underFile.stderr).not.toMatch(/ENOTDIR|EEXIST|\.tmp/);

    const proc = await reverie(['generate', ...BASE, '--steps', '1', '--width', '64', '--height', '64', '--out', '/proc/o.png']);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('error: cannot write /proc/o.png: ');
    expect(proc.stderr).not.toMatch(/ENOENT|EACCES|\.tmp/);
  });
});

describe('negative numbers as option values', () => {
  it('--seed -1 (random) is accepted as the help says, written with a space or "="', async () => {
    for (const seed of [['--seed', '-1'], ['--seed=-1']]) {
      const r = await reverie(['generate', '--model', FIXTURE, '--prompt', 'x', '--provider', 'cpu', '--steps', '1', '--width', '64', '--height', '64', ...seed, '--out', 'seed.png', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const seedUsed = (JSON.parse(r.stdout) as { seed: number }).seed;
      expect(seedUsed).toBeGreaterThanOrEqual(0);
    }
  });

  it('--max-pixels below 1 is refused as bad usage, written with a space or "="', async () => {
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toFile(path.join(tmp, 'in.png'));
    for (const flag of [['--max-pixels', '-1'], ['--max-pixels=-1'], ['--max-pixels', '0']]) {
      const r = await reverie(['img2img', '--model', FIXTURE, '--image', 'in.png', '--steps', '2', ...flag, '--out', 'mp.png']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: --max-pixels must be at least 1, got -?\d+\n$/);
    }
  });
});
