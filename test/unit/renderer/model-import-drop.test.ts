/**
 * A checkpoint dropped on the window: told apart from images by its name, its path asked of the
 * transport (Electron's preload knows it, a browser page never does), and the Import dialog opened
 * with the path filled in, or with a note saying to type it.
 */
import { describe, expect, it } from 'vitest';
import { createApi } from '../../../src-renderer/src/lib/api/client.ts';
import type { Transport } from '../../../src-renderer/src/lib/api/client.ts';
import { electronTransport } from '../../../src-renderer/src/lib/api/bridge-transport.ts';
import type { ReverieBridge } from '../../../src-renderer/src/lib/api/types.ts';
import { ModelImportState, isCheckpointName } from '../../../src-renderer/src/lib/state/model-import.svelte.ts';

const noCalls: Transport = { call: () => Promise.reject(new Error('no calls in this test')), subscribe: () => () => {} };

function bridge(pathForFile?: (file: unknown) => string): ReverieBridge {
  return { version: 1, calls: {} as ReverieBridge['calls'], subscribe: () => () => {}, ...(pathForFile ? { pathForFile } : {}) };
}

describe('dropping a checkpoint', () => {
  it('knows checkpoints from images by their names', () => {
    for (const name of ['dreamshaper_8.safetensors', 'v1-5-pruned.ckpt', 'MODEL.SAFETENSORS', 'old.pt', 'x.pth', 'pytorch_model.bin']) expect(isCheckpointName(name), name).toBe(true);
    for (const name of ['cat.png', 'photo.jpg', 'safetensors.png', 'notes.txt', '']) expect(isCheckpointName(name), name).toBe(false);
  });

  it('asks the transport where the file is: the Electron bridge answers, a browser transport cannot', () => {
    const file = { name: 'm.safetensors' };
    const electron = createApi(electronTransport(bridge((f) => (f === file ? '/home/ana/models/m.safetensors' : ''))), 'electron');
    expect(electron.pathForFile(file)).toBe('/home/ana/models/m.safetensors');
    expect(electron.pathForFile({ name: 'from-memory.safetensors' })).toBeNull(); // webUtils gives '' for a file with no path
    expect(createApi(electronTransport(bridge()), 'electron').pathForFile(file)).toBeNull(); // an older preload
    expect(createApi(noCalls, 'browser').pathForFile(file)).toBeNull();
  });

  it('opens the Import dialog with the path filled in, or with a note saying where to type it', () => {
    const state = new ModelImportState(createApi(noCalls, 'browser'));
    state.openDropped('m.safetensors', '/home/ana/models/m.safetensors');
    expect(state.isOpen).toBe(true);
    expect(state.file).toBe('/home/ana/models/m.safetensors');
    expect(state.dropNote).toBeNull();
    expect(state.blocked).toBeNull();
    state.close();

    state.file = '/an/older/path.safetensors';
    state.openDropped('dreamshaper_8.safetensors', null);
    expect(state.isOpen).toBe(true);
    expect(state.file).toBe('');
    expect(state.dropNote).toMatch(/"dreamshaper_8\.safetensors".*type or paste its full path/);
    expect(state.blocked).toMatch(/path of a \.safetensors checkpoint/);
    state.close();
    expect(state.dropNote).toBeNull();
    state.open();
    expect(state.dropNote).toBeNull();
  });
});
