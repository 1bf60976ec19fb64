import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../../../src-main/engine/tokenizer/clip-bpe.ts';
import { EngineError } from '../../../../src-main/engine/types.ts';
import { CLIP_DIR, vocabId as v } from './reference.ts';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'reverie-tokenizer-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** a tokenizer folder using the reference vocab/merges (linked, not copied) plus the given JSON files */
async function folder(name: string, files: Record<string, string>, link = ['vocab.json', 'merges.txt']): Promise<string> {
  const dir = path.join(scratch, name);
  await mkdir(dir);
  for (const file of link) await symlink(path.join(CLIP_DIR, file), path.join(dir, file));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

async function loadError(dir: string): Promise<EngineError> {
  const err: unknown = await ClipTokenizer.fromFolder(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('ClipTokenizer.fromFolder', () => {
  it('loads the SD 1.x tokenizer folder', async () => {
    const tok = await ClipTokenizer.fromFolder(CLIP_DIR);
    expect([tok.bosId, tok.eosId, tok.padId, tok.maxLength, tok.vocabSize]).toEqual([49406, 49407, 49407, 77, 49408]);
    expect(tok.tokenize('a photo of a cat').ids).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  it('ignores the huge model_max_length Hugging Face writes and reads pad_token objects', async () => {
    // json.dumps(int(1e30)), as transformers saves it
    const dir = await folder('sd2', {
      'tokenizer_config.json': '{"model_max_length": 1000000000000000019884624838656, "pad_token": {"__type": "AddedToken", "content": "!", "lstrip": false}}',
    });
    const tok = await ClipTokenizer.fromFolder(dir);
    expect([tok.maxLength, tok.padId, tok.padToken]).toEqual([77, v('!'), '!']);
    const padded = tok.encodePadded('a cat');
    expect(Array.from(padded.ids.subarray(0, 5))).toEqual([49406, v('a</w>'), v('cat</w>'), 49407, 0]);
    expect(padded.ids.subarray(4).every((id) => id === 0)).toBe(true);
  });

  it('takes a sane model_max_length and lets special_tokens_map.json win over tokenizer_config.json', async () => {
    const dir = await folder('custom', {
      'tokenizer_config.json': '{"model_max_length": 16, "pad_token": "<|endoftext|>"}',
      'special_tokens_map.json': '{"pad_token": "!", "bos_token": {"content": "<|startoftext|>"}}',
    });
    const tok = await ClipTokenizer.fromFolder(dir);
    expect([tok.maxLength, tok.padId]).toEqual([16, 0]);
    const cut = tok.tokenize('one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen');
    expect(cut.ids).toHaveLength(16);
    expect(cut.truncated).toBe(true);
    expect(cut.ids.at(-1)).toBe(49407);
  });

  it('pads SD 1.x style with <|endoftext|> when the config says so', async () => {
    const dir = await folder('sd1', { 'tokenizer_config.json': '{"model_max_length": 77, "pad_token": "<|endoftext|>"}' });
    const tok = await ClipTokenizer.fromFolder(dir);
    expect(tok.padId).toBe(49407);
  });

  it('says which file is missing, and where', async () => {
    const dir = await folder('no-merges', {}, ['vocab.json']);
    const err = await loadError(dir);
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toContain('merges.txt is missing');
    expect(err.message).toContain(dir);
  });

  it('reports a missing folder', async () => {
    const err = await loadError(path.join(scratch, 'nowhere'));
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toContain('nowhere');
  });

  it('reports unreadable JSON and bad vocab entries with the file name', async () => {
    const broken = await folder('broken', { 'vocab.json': '{"a": 1,' }, ['merges.txt']);
    expect((await loadError(broken)).message).toMatch(/vocab\.json in tokenizer folder .*broken is not valid JSON/);
    const badId = await folder('bad-id', { 'vocab.json': '{"a": 1.5}' }, ['merges.txt']);
    expect((await loadError(badId)).message).toMatch(/vocab\.json .* maps "a" to 1\.5/);
    const badConfig = await folder('bad-config', { 'tokenizer_config.json': '[1, 2' });
    expect((await loadError(badConfig)).message).toMatch(/tokenizer_config\.json in tokenizer folder .*bad-config/);
  });

  it('rejects a pad token the vocabulary lacks, naming it', async () => {
    const dir = await folder('bad-pad', { 'special_tokens_map.json': '{"pad_token": "<pad>"}' });
    const err = await loadError(dir);
    expect(err.message).toContain('"<pad>"');
    expect(err.message).toContain(dir);
  });
});

describe('ClipTokenizer.fromData with another vocabulary', () => {
  // a toy vocabulary whose special tokens sit at other ids, like our own trained model's
  const vocab = { a: 0, b: 1, 'a</w>': 2, 'b</w>': 3, 'ab</w>': 4, '<|startoftext|>': 7, '<|endoftext|>': 8 };
  const merges = '#version: 0.2\na b</w>\n';

  it('finds BOS/EOS by string and maps unknown tokens to <|endoftext|>', () => {
    const tok = ClipTokenizer.fromData(vocab, merges, { maxLength: 6, padToken: 'a' });
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([7, 8, 0]);
    expect(tok.tokenize('ab').ids).toEqual([7, 4, 8]);
    expect(tok.tokenize('ba').ids).toEqual([7, 1, 2, 8]);
    expect(tok.tokenize('z').ids).toEqual([7, 8, 8]);
    expect(Array.from(tok.encodePadded('ab').ids)).toEqual([7, 4, 8, 0, 0, 0]);
  });

  it('refuses a vocabulary without CLIP special tokens and a maxLength without room', () => {
    expect(() => ClipTokenizer.fromData({ a: 0 }, merges)).toThrow(/no start token "<\|startoftext\|>"/);
    expect(() => ClipTokenizer.fromData(vocab, merges, { maxLength: 1 })).toThrow(/maxLength must be an integer of at least 2/);
  });
});
