import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicLeftoverPid, writeFileAtomic } from '../../../src-main/storage/atomic.ts';
import { FileWriteError, describeWriteError, fsReason } from '../../../src-main/storage/fs-errors.ts';

const errno = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'reverie-fs-errors-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('file-system errors in words', () => {
  it('says what happened and what to do, naming the user file and never the temporary one', () => {
    const full = errno('ENOSPC', "ENOSPC: no space left on device, write '/d/.out.png.123.abcdef01.tmp'");
    expect(describeWriteError(full, 'out.png')).toBe('cannot write out.png: the disk is full; free some space on that disk or write somewhere else');
    expect(describeWriteError(errno('EROFS', 'EROFS: read-only file system'), 'x.png')).toBe('cannot write x.png: the file system is read-only; choose a folder you can write to');
    expect(describeWriteError(errno('EISDIR', 'EISDIR'), 'x.png')).toBe('cannot write x.png: it is a folder; choose another file name');
  });

  it('an unknown code keeps the system text without its code prefix and path', () => {
    expect(fsReason(errno('EWEIRD', "EWEIRD: something odd happened, open '/tmp/.a.png.1.00000000.tmp'"))).toBe('something odd happened');
    expect(fsReason('plain')).toBe('plain');
  });
});

describe('writeFileAtomic', () => {
  it('a failed write leaves the target as it was, no temporary file, and names the target', async () => {
    const dir = path.join(tmp, 'a');
    await mkdir(path.join(dir, 'taken.png'), { recursive: true });
    const err = await writeFileAtomic(path.join(dir, 'taken.png'), 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileWriteError);
    expect((err as FileWriteError).message).toBe(`cannot write ${path.join(dir, 'taken.png')}: it is a folder; choose another file name`);
    expect((err as FileWriteError).code).toBe('EISDIR');
    expect(await readdir(dir)).toEqual(['taken.png']);
  });

  it('replaces a file whole and names its temporaries so leftovers can be traced to their process', async () => {
    const file = path.join(tmp, 'b.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(tmp)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    expect(atomicLeftoverPid('.b.json.4242.0a1b2c3d.tmp')).toBe(4242);
    expect(atomicLeftoverPid('b.json')).toBeUndefined();
    expect(atomicLeftoverPid('.b.json.tmp')).toBeUndefined();
  });
});
