import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../src-main/engine/imageio/png.ts';
import { MAX_OPENED_FILES, OpenedFilesSchema } from '../../../src-main/ipc/contract.ts';
import { OpenedFiles, openablePaths, readOpenedPng } from '../../../src-main/ipc/backend/opened-files.ts';
import { EventBus } from '../../../src-main/ipc/events.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'reverie-opened-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function png(name: string): Promise<string> {
  const file = path.join(dir, name);
  writeFileSync(file, await encodePng({ width: 2, height: 2, data: new Uint8Array(12) }, [{ keyword: 'parameters', text: `from ${name}` }]));
  return file;
}

describe('"Open in Reverie": the command line', () => {
  it('takes .png paths and file:// URLs, skips switches and the app folder, resolves against the working folder', () => {
    const args = ['.', '--no-sandbox', '--allow-file-access-from-files', 'shots/cat.PNG', '/abs/dog.png', 'file:///home/u/My%20Pictures/fox.png', 'notes.txt', '/abs/dog.png'];
    expect(openablePaths(args, '/home/u')).toEqual(['/home/u/shots/cat.PNG', '/abs/dog.png', '/home/u/My Pictures/fox.png']);
    expect(openablePaths(['file://remote-host/share/x.png'], '/')).toEqual([]);
    expect(openablePaths([], '/')).toEqual([]);
  });
});

describe('"Open in Reverie": reading the files', () => {
  it('reads a PNG as base64 with its name', async () => {
    const file = await png('apple.png');
    const read = await readOpenedPng(file);
    expect(read).toMatchObject({ name: 'apple.png' });
    expect(typeof read === 'object' && Buffer.from(read.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('says why a file cannot be opened', async () => {
    const fake = path.join(dir, 'fake.png');
    writeFileSync(fake, 'GIF89a this is not a png');
    expect(await readOpenedPng(fake)).toBe('Could not open "fake.png": it does not start with the PNG signature, so it is not a PNG file (Reverie opens .png files).');
    expect(await readOpenedPng(path.join(dir, 'missing.png'))).toBe(`Could not open "${path.join(dir, 'missing.png')}": there is no such file.`);
    const folder = path.join(dir, 'folder.png');
    mkdirSync(folder);
    expect(await readOpenedPng(folder)).toBe(`Could not open "${folder}": it is not a regular file.`);
    if (process.platform !== 'win32') {
      const fifo = path.join(dir, 'pipe.png');
      execFileSync('mkfifo', [fifo]);
      expect(await readOpenedPng(fifo)).toBe(`Could not open "${fifo}": it is not a regular file.`);
    }
  });

  it('keeps files until the renderer takes them once, tells it with app.fileOpened, and keeps the newest few', async () => {
    const events = new EventBus();
    const seen: unknown[] = [];
    events.subscribe((name, payload) => seen.push({ name, payload }));
    const opened = new OpenedFiles(events);
    await opened.open([await png('one.png'), path.join(dir, 'gone.png')]);
    expect(seen).toEqual([{ name: 'app.fileOpened', payload: { pending: 2 } }]);
    const taken = OpenedFilesSchema.parse(opened.take());
    expect(taken.files.map((f) => f.name)).toEqual(['one.png']);
    expect(taken.problems).toEqual([`Could not open "${path.join(dir, 'gone.png')}": there is no such file.`]);
    expect(opened.take()).toEqual({ files: [], problems: [] });

    const many = await Promise.all(Array.from({ length: MAX_OPENED_FILES + 2 }, (_, i) => png(`n${i}.png`)));
    await opened.open(many);
    const last = OpenedFilesSchema.parse(opened.take());
    expect(last.files.map((f) => f.name)).toEqual(many.slice(2).map((f) => path.basename(f)));
    expect(last.problems).toEqual([`Only the last ${MAX_OPENED_FILES} opened images are shown; 2 earlier one(s) were left out: n0.png, n1.png.`]);
    await opened.open([]);
    expect(seen).toHaveLength(2);
  });

  it('a file:// URL of a real file opens too', async () => {
    const file = await png('url.png');
    const [resolved] = openablePaths([pathToFileURL(file).href], '/');
    expect(await readOpenedPng(resolved)).toMatchObject({ name: 'url.png' });
  });
});
