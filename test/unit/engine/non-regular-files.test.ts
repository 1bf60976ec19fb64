/**
 * A FIFO (named pipe) or a device where a model file or an input image should be: reading one
 * blocks forever (or, for /dev/zero, never ends), which used to wedge the engine's file threads.
 * The engine reads only regular files and says what it found instead. Skipped where mkfifo is absent.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, cpSync, existsSync, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRaster } from '../../../src-main/engine/imageio/input.ts';
import { listModelFolders } from '../../../src-main/engine/models/model-list.ts';
import { readModelFolder } from '../../../src-main/engine/models/folder.ts';
import { readTokenizerFolder } from '../../../src-main/engine/tokenizer/load.ts';
import { readRegularFile } from '../../../src-main/engine/regular-file.ts';

const TINY = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'models', 'reverie-tiny');

function hasMkfifo(): boolean {
  if (process.platform === 'win32') return false;
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    // BSD mkfifo has no --version; try making one
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-fifo-probe-'));
    try {
      execFileSync('mkfifo', [path.join(dir, 'p')], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const fifos: string[] = [];
const dirs: string[] = [];

function mkfifo(file: string): string {
  if (existsSync(file)) unlinkSync(file);
  execFileSync('mkfifo', [file]);
  fifos.push(file);
  return file;
}

afterEach(() => {
  // a reader still blocked on a FIFO (the bug) is released by a writer opening and closing it
  for (const f of fifos.splice(0)) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody is reading it: fine
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tinyCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-nonreg-'));
  dirs.push(dir);
  const model = path.join(dir, 'tiny');
  cpSync(TINY, model, { recursive: true });
  return model;
}

/** Fails the test (instead of hanging it) when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms = 3000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms: the read is wedged`)), ms))]);
}

describe.skipIf(!hasMkfifo())('non-regular files', () => {
  it('readRegularFile refuses a FIFO, a folder and a device, naming what it found', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-nonreg-'));
    dirs.push(dir);
    const pipe = mkfifo(path.join(dir, 'pipe'));
    await expect(within(readRegularFile(pipe))).rejects.toThrow(/is a named pipe \(FIFO\), not a regular file/);
    await expect(within(readRegularFile(dir))).rejects.toThrow(/is a folder, not a regular file/);
    if (existsSync('/dev/zero')) await expect(within(readRegularFile('/dev/zero'))).rejects.toThrow(/is a character device, not a regular file/);
    await expect(within(readRegularFile(path.join(TINY, 'model_index.json'), 'utf8'))).resolves.toMatch(/reverie|_class_name/);
  });

  it('a FIFO as model_index.json makes the folder invalid with a reason, instead of wedging the listing', async () => {
    const model = tinyCopy();
    mkfifo(path.join(model, 'model_index.json'));
    const { report } = await within(readModelFolder(model));
    expect(report.valid).toBe(false);
    expect(report.problems.join(' ')).toMatch(/model_index\.json is a named pipe \(FIFO\), not a regular file/);
    const listed = await within(listModelFolders([path.dirname(model)]));
    expect(listed.map((m) => m.valid)).toEqual([false]);
  });

  it('a FIFO as tokenizer/vocab.json or scheduler config is reported, not waited on', async () => {
    const model = tinyCopy();
    mkfifo(path.join(model, 'tokenizer', 'vocab.json'));
    mkfifo(path.join(model, 'scheduler', 'scheduler_config.json'));
    const { report } = await within(readModelFolder(model));
    expect(report.valid).toBe(false);
    expect(report.problems.join(' ')).toMatch(/tokenizer\/vocab\.json is a named pipe \(FIFO\)/);
    expect(report.problems.join(' ')).toMatch(/scheduler\/scheduler_config\.json is a named pipe \(FIFO\)/);
  });

  it('the tokenizer loader refuses a FIFO even for an optional file', async () => {
    const model = tinyCopy();
    mkfifo(path.join(model, 'tokenizer', 'special_tokens_map.json'));
    await expect(within(readTokenizerFolder(path.join(model, 'tokenizer')))).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/special_tokens_map\.json .*is a named pipe \(FIFO\), not a regular file/),
    });
  });

  it('an input image that is a FIFO or a device is refused with IMAGE_INVALID', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-nonreg-'));
    dirs.push(dir);
    const pipe = mkfifo(path.join(dir, 'photo.png'));
    await expect(within(decodeRaster(pipe))).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringMatching(/image .*photo\.png.*named pipe \(FIFO\), not a regular file.*save the image as a file/),
    });
    if (existsSync('/dev/zero')) {
      await expect(within(decodeRaster('/dev/zero', { what: 'mask' }))).rejects.toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringMatching(/mask \/dev\/zero.*character device/) });
    }
  });
});
