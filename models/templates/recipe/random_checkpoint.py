"""A full-size Stable Diffusion checkpoint with random weights, for benchmarks at real sizes.

    /usr/bin/python3 models/templates/recipe/random_checkpoint.py --family sd1 --out /tmp/sd15-random.safetensors
    npm run -s reverie -- import /tmp/sd15-random.safetensors --name sd15-random --into /tmp/bench-models
    npm run -s reverie -- bench --model /tmp/bench-models/sd15-random --width 512 --height 512 --steps 4 --runs 1

The modules are `ldm.py`'s, in SD 1.5's exact shape (UNet 320/640/1280/1280, 2 res blocks per level,
8 heads, 768-wide context; CLIP ViT-L/14 text encoder; the f/8 KL VAE), so the file has the tensor names
and shapes of a released SD 1.5 checkpoint (1.07 G parameters) and `reverie import` turns it into an ONNX
folder exactly as it would a downloaded one (weights in an external file: the UNet alone is 3.4 GB).
Weights are PyTorch's default initialisation (scaled by fan-in, so activations stay finite), seeded.
Nothing here is committed or run in CI: the file is 4.3 GB (2.1 GB with --fp16). `--family sdxl` writes an
SDXL base-shaped file (3.5 G parameters, Stability's conditioner.embedders names): use --fp16, which also
builds the modules in float16 (7 GB of memory instead of 14) and writes 6.9 GB.
"""
import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ldm  # noqa: E402

DTYPES = {torch.float32: 'F32', torch.float16: 'F16'}


def save_safetensors(path, state, metadata):
    """u64 LE header length, JSON header padded to 8 bytes, then each tensor's little-endian bytes,
    written one tensor at a time (no second copy of the model in memory)."""
    header, offset = {'__metadata__': metadata}, 0
    for name, t in state.items():
        size = t.numel() * t.element_size()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    tmp = path + '.part'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for t in state.values():
            f.write(t.contiguous().numpy().tobytes())
    os.replace(tmp, path)


def init_raw_parameters(ckpt):
    """ldm.py's bare nn.Parameter(torch.empty(...)) tensors (OpenCLIP's fused q/k/v, its positions, SDXL's text
    projection) have no initialiser of their own: give them fan-in scaled values like nn.Linear's, so a
    random SD 2.x or SDXL file is not left with zeros (or whatever the memory held) there."""
    with torch.no_grad():
        for name, p in ckpt.named_parameters():
            if name.endswith('in_proj_weight'):
                p.uniform_(-p.shape[1] ** -0.5, p.shape[1] ** -0.5)
            elif name.endswith('text_projection'):
                p.uniform_(-p.shape[0] ** -0.5, p.shape[0] ** -0.5)
            elif name.endswith('positional_embedding'):
                p.normal_(0, 0.01)
            elif name.endswith('in_proj_bias'):
                p.zero_()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--family', default='sd1', choices=['sd1', 'sd1-inpaint', 'sd2', 'sd2-inpaint', 'sdxl', 'tiny-sdxl'])
    ap.add_argument('--out', required=True)
    ap.add_argument('--fp16', action='store_true', help='store float16 values (half the file)')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    if args.fp16:
        torch.set_default_dtype(torch.float16)   # initialised in float16: no float32 copy of the model
    ckpt = ldm.Checkpoint(args.family, vocab=1000 if args.family.startswith('tiny-') else None)
    init_raw_parameters(ckpt)
    state = {k: (v.half() if args.fp16 else v.float()) for k, v in ckpt.state_dict().items() if v.is_floating_point()}
    params = sum(v.numel() for v in state.values())
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save_safetensors(args.out, state, {'modelspec.title': f'random {args.family} (reverie bench)', 'reverie.random': 'true'})
    print(json.dumps({'out': args.out, 'family': args.family, 'tensors': len(state), 'parameters': params,
                      'bytes': os.path.getsize(args.out)}))


if __name__ == '__main__':
    main()
