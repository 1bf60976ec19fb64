"""A committed resume point, so a training run can continue in a later session on a fresh clone.

One file, recipe/resume/<config>.pt (overwritten, <= 30 MB), holding everything the work folder cannot
rebuild exactly: the tokenizer files, the VAE weights (fp16), the text encoder + UNet EMA weights (fp16),
the raw weights as an int8 difference from the EMA (one scale per tensor; the optimizer restarts anyway),
the training state (step, minutes, loss curve) and the latent statistics (the scaling factor the UNet was
trained with).  What it leaves out is rebuilt from seeds: the data (npm pack + sharp) and the latent pool.

  save:   /usr/bin/python3 recipe/resume.py save --config v2      (after the unet stage)
  resume: /usr/bin/python3 recipe/run.py --config v2 --threads 2  (run.py restores it into an empty work folder)
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
LIMIT_BYTES = 30 * 1024 * 1024


def resume_path(config):
    return os.path.join(HERE, 'resume', f'{config}.pt')


def _half(sd):
    return {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}


def _delta_int8(raw, ema):
    out = {}
    for k, v in raw.items():
        if not v.is_floating_point():
            out[k] = v
            continue
        d = (v.float() - ema[k].float())
        scale = float(d.abs().max()) / 127 or 1.0
        out[k] = {'q': torch.round(d / scale).to(torch.int8), 'scale': scale}
    return out


def _undelta(q, ema):
    return {k: (ema[k].float() + v['q'].float() * v['scale'] if isinstance(v, dict) else v) for k, v in q.items()}


def save(config, work, path=None):
    ck = torch.load(os.path.join(work, 'unet.pt'), map_location='cpu')
    vae = torch.load(os.path.join(work, 'vae.pt'), map_location='cpu')
    tok_dir = os.path.join(work, 'tokenizer')
    tokenizer = {f: open(os.path.join(tok_dir, f), encoding='utf-8').read() for f in sorted(os.listdir(tok_dir))}
    with open(os.path.join(work, 'pool', 'stats.json')) as f:
        stats = json.load(f)
    obj = {
        'format': 1, 'config': config, 'tokenizer': tokenizer, 'pool_stats': stats,
        'vae': _half(vae['model']), 'vae_state': vae['state'],
        'ema_te': _half(ck['ema_te']), 'ema_unet': _half(ck['ema_unet']),
        'te_delta': _delta_int8(ck['te'], ck['ema_te']), 'unet_delta': _delta_int8(ck['unet'], ck['ema_unet']),
        'state': ck['state'],
    }
    path = path or resume_path(config)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    size = os.path.getsize(tmp)
    if size > LIMIT_BYTES:
        os.remove(tmp)
        raise SystemExit(f'resume: {size / 1e6:.1f} MB is over the {LIMIT_BYTES / 1e6:.0f} MB budget; shrink the model')
    os.replace(tmp, path)
    return path, size


def restore(config, work, path=None):
    """Fills an empty work folder from the resume point: tokenizer, vae.pt (done), unet.pt (no optimizer state)."""
    obj = torch.load(path or resume_path(config), map_location='cpu')
    tok_dir = os.path.join(work, 'tokenizer')
    os.makedirs(tok_dir, exist_ok=True)
    for name, text in obj['tokenizer'].items():
        with open(os.path.join(tok_dir, name), 'w', encoding='utf-8') as f:
            f.write(text)
    torch.save({'model': {k: v.float() for k, v in obj['vae'].items()}, 'state': obj['vae_state'], 'done': True, 'opt': None},
               os.path.join(work, 'vae.pt'))
    ema_te = {k: v.float() for k, v in obj['ema_te'].items()}
    ema_unet = {k: v.float() for k, v in obj['ema_unet'].items()}
    state = dict(obj['state'])
    state['resumed_at'] = state['step']  # the LR schedule warms up again and runs over this session's budget
    state['resumed_elapsed'] = state['elapsed']
    torch.save({'te': _undelta(obj['te_delta'], ema_te), 'unet': _undelta(obj['unet_delta'], ema_unet), 'ema_te': ema_te,
                'ema_unet': ema_unet, 'opt': None, 'state': state}, os.path.join(work, 'unet.pt'))
    # the pool is rebuilt from seeds by the pool stage; the UNet keeps the scaling factor it was trained with
    os.makedirs(os.path.join(work, 'pool'), exist_ok=True)
    with open(os.path.join(work, 'pool', 'resume_stats.json'), 'w') as f:
        json.dump(obj['pool_stats'], f, indent=2)
    return state['step']


def main():
    import train
    from configs import CONFIGS
    ap = argparse.ArgumentParser()
    ap.add_argument('action', choices=['save'])
    ap.add_argument('--config', required=True, choices=sorted(CONFIGS))
    args = ap.parse_args()
    work = os.path.join(HERE, 'work', args.config)
    path, size = save(args.config, work)
    train.log(work, f'resume: wrote {os.path.relpath(path, HERE)} ({size / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()
