/**
 * Telling checkpoint formats apart by their first bytes, and the refusal of pickles: the message
 * names the file and carries a conversion command that is valid shell and valid Python.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOf, pickleRefusalMessage, shellQuote, sniffCheckpoint } from '../../../../src-main/engine/checkpoints/pickle.ts';
import { writeSafetensors } from '../../../../src-main/engine/checkpoints/safetensors.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reverie-pickle-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function fileWith(name: string, bytes: number[] | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof bytes === 'string' ? bytes : Buffer.from(bytes));
  return file;
}

function has(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('sniffCheckpoint', () => {
  it('tells safetensors, zipped and bare pickles and other files apart', async () => {
    const st = path.join(dir, 'model.safetensors');
    await writeSafetensors(st, [{ name: 'w', dtype: 'F16', shape: [2], data: Float32Array.from([1, 2]) }]);
    expect(await sniffCheckpoint(st)).toBe('safetensors');
    // torch.save since 1.6: a zip archive (local file header PK\3\4)
    expect(await sniffCheckpoint(await fileWith('model.ckpt', [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 8, 8, 0, 0]))).toBe('zip-pickle');
    // legacy torch.save: pickle protocol 2 opening with the magic number
    expect(await sniffCheckpoint(await fileWith('old.pt', [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]))).toBe('pickle');
    expect(await sniffCheckpoint(await fileWith('p4.bin', [0x80, 0x04, 0x95]))).toBe('pickle');
    expect(await sniffCheckpoint(await fileWith('notes.txt', 'hello, this is not a model'))).toBe('unknown');
    expect(await sniffCheckpoint(await fileWith('empty.bin', []))).toBe('unknown');
    expect(await sniffCheckpoint(await fileWith('pk.bin', [0x50, 0x4b]))).toBe('unknown');
  });

  it('does not take a huge or tiny length prefix before a brace for safetensors', () => {
    const head = (n: bigint, ninth: number): Uint8Array => {
      const b = Buffer.alloc(9);
      b.writeBigUInt64LE(n);
      b[8] = ninth;
      return b;
    };
    expect(formatOf(head(120n, 0x7b))).toBe('safetensors');
    expect(formatOf(head(120n, 0x20))).toBe('unknown');
    expect(formatOf(head(2n ** 40n, 0x7b))).toBe('unknown');
    expect(formatOf(head(1n, 0x7b))).toBe('unknown');
  });

  it('refuses a folder, naming what it is', async () => {
    await expect(sniffCheckpoint(dir)).rejects.toThrow(`${dir} is a folder, not a checkpoint file`);
  });
});

describe('pickleRefusalMessage', () => {
  const file = path.join('/models', "it's v1-5 pruned.ckpt");

  it('says why and gives one conversion command with the safe loader', () => {
    const message = pickleRefusalMessage(file, 'linux');
    expect(message).toContain("it's v1-5 pruned.ckpt is a PyTorch pickle checkpoint");
    expect(message).toContain('Reverie does not load pickles');
    const command = message.split('\n').find((line) => line.trimStart().startsWith('python -c'));
    expect(command).toBeDefined();
    expect(command).toContain("torch.load(sys.argv[1], map_location='cpu', weights_only=True)");
    expect(command).toContain("sd.get('state_dict', sd)");
    expect(command).toContain('v.contiguous()');
    expect(command).toContain('isinstance(v, torch.Tensor)');
    expect(command).toContain('save_file(');
    expect(command).toContain(`'/models/it'\\''s v1-5 pruned.safetensors'`);
    expect(message).toContain("then import it's v1-5 pruned.safetensors instead.");
  });

  it('quotes paths for POSIX shells and for Windows', () => {
    expect(shellQuote('/a b/c', 'linux')).toBe("'/a b/c'");
    expect(shellQuote("/a'b", 'darwin')).toBe(`'/a'\\''b'`);
    expect(shellQuote('C:\\Models\\my model.ckpt', 'win32')).toBe('"C:\\Models\\my model.ckpt"');
  });

  // runs the command through sh with python swapped for a stub that parses the code and prints the paths
  it.skipIf(process.platform === 'win32' || !has('python3'))('the command is valid shell and valid Python', () => {
    const command = pickleRefusalMessage(file, 'linux').split('\n').find((line) => line.trimStart().startsWith('python -c'))!.trim();
    const stub = `python3 -c 'import ast, sys; ast.parse(sys.argv[1]); print(sys.argv[2]); print(sys.argv[3])'`;
    const out = execFileSync('sh', ['-c', command.replace(/^python -c /, `${stub} `)], { encoding: 'utf8' });
    expect(out.split('\n').slice(0, 2)).toEqual([file, "/models/it's v1-5 pruned.safetensors"]);
  });
});
