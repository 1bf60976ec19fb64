#!/usr/bin/python3
"""Golden values for src-main/engine/runtime/rng.ts from PyTorch's CPU generator.

Run with Debian's interpreter (torch 1.13, CPU):  /usr/bin/python3 test/unit/engine/rng/make-goldens.py
Writes torch-randn-goldens.json next to this script. Float32 values are stored as their uint32 bit
patterns so the test can demand bit-exactness; long runs are stored as a SHA-256 of the little-endian
float32 bytes plus their first and last values.
"""
import hashlib
import json
import os
import struct

import torch

torch.set_num_threads(1)


def bits(t):
    return [struct.unpack('<I', struct.pack('<f', float(v)))[0] for v in t.tolist()]


def digest(t):
    return hashlib.sha256(t.contiguous().numpy().astype('<f4').tobytes()).hexdigest()


def case(seed, calls):
    """calls: list of ('randn', n) / ('rand', n) made in order on one generator."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for kind, n in calls:
        t = torch.randn(n, generator=g) if kind == 'randn' else torch.rand(n, generator=g)
        entry = {'kind': kind, 'n': n}
        if n <= 64:
            entry['bits'] = bits(t)
        else:
            entry['sha256'] = digest(t)
            entry['head'] = bits(t[:16])
            entry['tail'] = bits(t[-16:])
        out.append(entry)
    return {'seed': seed, 'calls': out}


SEEDS = [0, 1, 42, 1234, 2**31 - 1, 2**32 - 1]
SIZES = [1, 7, 15, 16, 17, 31, 33, 4 * 32 * 32]
cases = []
for s in SEEDS:
    for n in SIZES:
        cases.append(case(s, [('randn', n)]))
# generator state carried across calls: the cached Box-Muller sine for n < 16, vectorised path for
# n >= 16, uniform draws in between, and A1111's latent shapes (4x64x64 for 512x512).
cases.append(case(7, [('randn', 3), ('randn', 2), ('randn', 16), ('randn', 1), ('rand', 5), ('randn', 40)]))
cases.append(case(99, [('randn', 4 * 64 * 64), ('randn', 4 * 64 * 64)]))
cases.append(case(3, [('rand', 20), ('randn', 5), ('rand', 1)]))

doc = {
    'about': 'torch.Generator().manual_seed(seed); then torch.randn(n) / torch.rand(n) calls in order, '
             'float32 on CPU. Values are float32 bit patterns; long outputs by sha256 of LE float32 bytes.',
    'torch': torch.__version__,
    'cpu_capability': torch.__config__.show().split('CPU capability usage: ')[1].split('\n')[0],
    'cases': cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch-randn-goldens.json')
with open(path, 'w') as f:
    json.dump(doc, f, separators=(',', ':'))
    f.write('\n')
print('wrote', path, os.path.getsize(path), 'bytes')
