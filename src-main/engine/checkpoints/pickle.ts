/**
 * What kind of checkpoint a file is, from its first bytes, and the refusal for pickled ones.
 * torch's .ckpt/.pt/.bin files are Python pickles (bare, or inside a zip since torch 1.6); loading a
 * pickle can run any code its author put in it, so Reverie never unpickles. The user converts such a
 * file once, with their own Python and torch's restricted weights-only loader, to .safetensors.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileKind } from '../regular-file.ts';
import { MAX_HEADER_BYTES } from './safetensors-header.ts';

export type CheckpointFormat = 'safetensors' | 'zip-pickle' | 'pickle' | 'unknown';

/** Reads at most the first 9 bytes. Says what the file looks like; openSafetensors does the checking. */
export async function sniffCheckpoint(file: string): Promise<CheckpointFormat> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`${file} is ${fileKind(stats)}, not a checkpoint file`);
    const head = new Uint8Array(9);
    const { bytesRead } = await handle.read(head, 0, 9, 0);
    return formatOf(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The format from a file's first bytes (9 are enough). */
export function formatOf(head: Uint8Array): CheckpointFormat {
  // zip local file header: what torch.save writes since 1.6 (a folder of pickle + tensor storages)
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip-pickle';
  // pickle protocol 2-5 opens with PROTO (0x80) and the version: torch's legacy format, plain pickles
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'pickle';
  // safetensors: a plausible u64 header length, then the JSON object's '{'
  if (head.length >= 9 && head[8] === 0x7b) {
    const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
    if (n >= 2n && n <= BigInt(MAX_HEADER_BYTES)) return 'safetensors';
  }
  return 'unknown';
}

/**
 * Why a pickled checkpoint is refused and the one command that converts it. The command keeps only
 * tensors — from `state_dict` when the file has one (Lightning-style .ckpt), else from the top-level
 * dict — made contiguous, since safetensors stores dense row-major data only.
 * `platform` picks the shell quoting of the two paths (process.platform unless told).
 */
export function pickleRefusalMessage(file: string, platform: NodeJS.Platform = process.platform): string {
  const name = path.basename(file);
  const parsed = path.parse(file);
  const out = path.join(parsed.dir, `${parsed.name}.safetensors`);
  const python =
    'import sys, torch; from safetensors.torch import save_file; ' +
    "sd = torch.load(sys.argv[1], map_location='cpu', weights_only=True); " +
    "sd = sd.get('state_dict', sd); " +
    'save_file({k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}, sys.argv[2])';
  const command = `python -c "${python}" ${shellQuote(file, platform)} ${shellQuote(out, platform)}`;
  return [
    `${name} is a PyTorch pickle checkpoint (.ckpt/.pt/.bin). Reverie does not load pickles: opening one can run ` +
      'any code its author put in it.',
    `Convert it once to .safetensors (needs Python with torch 1.13 or newer and the safetensors package):`,
    `  ${command}`,
    `then import ${path.basename(out)} instead.`,
    'weights_only=True loads tensors without running code; if it refuses the file ("Unsupported global"), the file ' +
      'holds more than weights — look for a .safetensors download of the same model rather than turning the check off. ' +
      'If save_file says some tensors share memory, write v.contiguous().clone() instead of v.contiguous().',
  ].join('\n');
}

/** Quotes one path for the user's shell: POSIX single quotes, or cmd/PowerShell double quotes on Windows. */
export function shellQuote(arg: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return `"${arg.replaceAll('"', '""')}"`;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
