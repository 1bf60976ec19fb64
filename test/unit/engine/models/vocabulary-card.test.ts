/**
 * What a model folder tells the studio besides its weights: the words the model knows
 * (vocabulary.json, read from the real bundled reverie-mini folder and from broken copies) and its
 * card (README.md with the images it shows, only from inside the folder).
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CARD_IMAGE_BYTES, cardImageRefs, readModelCard } from '../../../../src-main/engine/models/card.ts';
import { listModelFolders } from '../../../../src-main/engine/models/model-list.ts';
import { parseVocabulary, readVocabulary } from '../../../../src-main/engine/models/vocabulary.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const MINI = path.join(REPO, 'models', 'reverie-mini');
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'models');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'reverie-vocab-'));
  // a copy of the shipped model without its recipe: the weights and configs, the card, the vocabulary
  cpSync(MINI, path.join(scratch, 'mini-broken-json'), { recursive: true, filter: (src) => !src.includes(`${path.sep}recipe`) });
  writeFileSync(path.join(scratch, 'mini-broken-json', 'vocabulary.json'), '{"objects": [');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('vocabulary.json', () => {
  it('reads the bundled reverie-mini vocabulary: 150 objects with synonyms, scene words and the related table', async () => {
    const { vocabulary, problem } = await readVocabulary(MINI);
    expect(problem).toBeUndefined();
    expect(vocabulary?.objects).toHaveLength(150);
    const names = new Set(vocabulary?.objects.map((o) => o.name));
    for (const phrase of ['hot dog', 'palm tree', 'four leaf clover', 'fire engine']) expect(names.has(phrase)).toBe(true);
    expect(vocabulary?.objects.find((o) => o.name === 'cat')?.synonyms).toContain('kitten');
    expect(vocabulary?.colours).toEqual(expect.arrayContaining(['blue', 'gray', 'grey']));
    expect(vocabulary?.sizes).toEqual(expect.arrayContaining(['small', 'big']));
    expect(vocabulary?.positions).toContain('in the top left corner');
    expect(vocabulary?.styles).toEqual(['3d', 'cartoon', 'flat']);
    expect(vocabulary?.related.submarine).toEqual(['ship', 'sailboat']);
    expect(vocabulary?.related.truck).toEqual(['fire engine', 'bus', 'car']);
    for (const targets of Object.values(vocabulary?.related ?? {})) for (const t of targets) expect(names.has(t)).toBe(true);
  });

  it('says what is wrong with a broken file, and folders without one have none', async () => {
    expect((await readVocabulary(path.join(scratch, 'mini-broken-json'))).problem).toMatch(/^vocabulary\.json is not valid JSON/);
    expect(await readVocabulary(path.join(FIXTURES, 'sd15-script'))).toEqual({});
    expect(parseVocabulary([]).problem).toMatch(/must hold a JSON object/);
    expect(parseVocabulary({ objects: [{ name: 'cat', synonyms: 'kitty' }] }).problem).toBe('vocabulary.json: objects[0].synonyms ("cat") must be a list of words, got "kitty"');
    expect(parseVocabulary({ objects: [{ name: 'cat' }], colours: 'blue' }).problem).toMatch(/"colours" must be a list of words/);
    expect(parseVocabulary({ objects: [{ name: 'cat' }], related: { submarine: ['ship'] } }).problem).toMatch(/related\["submarine"\] names "ship", which is not one of the objects/);
    expect(parseVocabulary({ objects: [{ name: 'cat' }] }).vocabulary).toEqual({ objects: [{ name: 'cat', synonyms: [] }], colours: [], sizes: [], positions: [], styles: [], related: {} });
  });

  it('the models list carries it for the bundled model; a broken file leaves the model valid, with a warning', async () => {
    const list = await listModelFolders([path.join(REPO, 'models'), scratch, FIXTURES]);
    const mini = list.find((m) => m.name === 'reverie-mini');
    expect(mini).toMatchObject({ valid: true, hasCard: true });
    expect(mini?.vocabulary?.objects).toHaveLength(150);
    const broken = list.find((m) => m.name === 'mini-broken-json');
    expect(broken).toMatchObject({ valid: true, hasCard: true, problems: [] });
    expect(broken?.vocabulary).toBeUndefined();
    expect(broken?.warnings).toEqual([expect.stringMatching(/^vocabulary\.json is not valid JSON \(.*\); the model works, without prompt completions or word hints$/)]);
    expect(mini?.warnings).toBeUndefined();
    const sd = list.find((m) => m.name === 'sd15-script');
    expect(sd?.valid).toBe(true);
    expect(sd?.vocabulary).toBeUndefined();
  });
});

describe('model card', () => {
  it('reads the bundled card with its sample grid as a data URL', async () => {
    const card = await readModelCard(MINI);
    expect(card.markdown).toMatch(/^# reverie-mini/);
    expect(Object.keys(card.images)).toEqual(['samples.jpg']);
    expect(card.images['samples.jpg']).toMatch(/^data:image\/jpeg;base64,\/9j\//);
  });

  it('reads only images inside the folder, of image types, under the size cap', async () => {
    const dir = path.join(scratch, 'card');
    const outside = path.join(scratch, 'secret.png');
    cpSync(path.join(MINI, 'samples.jpg'), path.join(dir, 'img', 'ok.jpg'));
    writeFileSync(outside, 'not for the renderer');
    symlinkSync(outside, path.join(dir, 'link.png'));
    writeFileSync(path.join(dir, 'big.png'), Buffer.alloc(MAX_CARD_IMAGE_BYTES + 1));
    writeFileSync(path.join(dir, 'notes.txt'), 'text');
    const md = [
      '# Card',
      '![ok](img/ok.jpg "title") ![again](<img/ok.jpg>) ![up](../secret.png) ![link](link.png) ![big](big.png)',
      '![remote](https://example.com/x.png) ![abs](/etc/x.png) ![txt](notes.txt) ![gone](missing.png)',
    ].join('\n');
    writeFileSync(path.join(dir, 'README.md'), md);
    expect(cardImageRefs(md)).toEqual(['img/ok.jpg', '../secret.png', 'link.png', 'big.png', 'notes.txt', 'missing.png']);
    const card = await readModelCard(dir);
    expect(Object.keys(card.images)).toEqual(['img/ok.jpg']);
    await expect(readModelCard(path.join(FIXTURES, 'reverie-tiny'))).rejects.toThrow(/reverie-tiny has no README\.md/);
  });
});
