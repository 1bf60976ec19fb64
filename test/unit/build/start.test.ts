import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronExecutable } from '../../../src-main/build/start.mjs';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'reverie-start-'));
  mkdirSync(path.join(root, 'node_modules', 'electron'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('npm start: Electron runtime detection (without require("electron"))', () => {
  it('finds nothing when the runtime was never downloaded (no path.txt)', () => {
    expect(electronExecutable(root)).toBeNull();
  });

  it('finds nothing when path.txt names a missing binary', () => {
    writeFileSync(path.join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
    expect(electronExecutable(root)).toBeNull();
  });

  it('finds the binary that path.txt names under dist/', () => {
    writeFileSync(path.join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
    mkdirSync(path.join(root, 'node_modules', 'electron', 'dist'));
    writeFileSync(path.join(root, 'node_modules', 'electron', 'dist', 'electron'), '');
    expect(electronExecutable(root)).toBe(path.join(root, 'node_modules', 'electron', 'dist', 'electron'));
  });

  it('serve prints its help without starting anything', () => {
    const out = execFileSync(process.execPath, [path.join(repo, 'src-main', 'build', 'start.mjs'), '--serve', '--help'], { cwd: repo, encoding: 'utf8', env: { ...process.env, REVERIE_PORT: '' } });
    expect(out).toMatch(/--host <address>/);
    expect(out).not.toMatch(/Electron runtime not installed/);
  });
});
