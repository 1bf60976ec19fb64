"""Probe a training run at its checkpoints: identity and background colour on a fixed probe set.

    /usr/bin/python3 recipe/probe.py --config v2 [--every 600] [--threads 1]

Reads work/<config>/unet.pt (the EMA weights) whenever it changes (at most every --every seconds),
samples a fixed set of held-out phrasings (one per object of a fixed subset, fixed seeds and background
colours) with k-diffusion's Euler sampler in PyTorch (20 steps, CFG 7, same wrapper as the engine:
epsilon or v from the scheduler config), decodes with the VAE, and scores the images with the evaluation
classifier (evaluate.py, trained once on real renders) and the border colour.  Appends one line per
checkpoint to work/<config>/probe.jsonl: step, minutes, training mse, identity top-1/top-5, background
accuracy.  Runs beside the training on one niced thread (a probe costs ~1 % of the run).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

PROBE_OBJECTS = 48
STEPS = 20
CFG = 7.0


def probe_set(sp, rng_seed=99):
    """(prompt, class index in sp.train, colour) for a fixed subset of objects, held-out phrasings only."""
    import data
    rng = np.random.default_rng(rng_seed)
    idx = sorted(rng.choice(len(sp.train), min(PROBE_OBJECTS, len(sp.train)), replace=False).tolist())
    out = []
    for k, i in enumerate(idx):
        c = sp.train[i]
        colour = list(data.COLOURS)[rng.integers(len(data.COLOURS))]
        form = data.HELDOUT_FORMS[k % len(data.HELDOUT_FORMS)]
        out.append((form.format(x=data.article(c.get('name', c['label'])), c=colour, ac=data.article(colour)), i, colour))
    return out


def karras_free_sigmas(ac, steps):
    """k-diffusion's 'normal' schedule over the model's discrete sigmas (as the evaluation sampler)."""
    sig = ((1 - ac) / ac).sqrt()
    t = torch.linspace(len(sig) - 1, 0, steps, dtype=torch.float64)
    log_sig = sig.log()
    lo = t.floor().long()
    hi = (lo + 1).clamp(max=len(sig) - 1)
    w = t - lo
    s = ((1 - w) * log_sig[lo] + w * log_sig[hi]).exp()
    return torch.cat([s, s.new_zeros(1)]), log_sig


def sigma_to_t(s, log_sig):
    ls = math.log(s)
    dists = ls - log_sig
    lo = int((dists >= 0).nonzero().max().clamp(max=len(log_sig) - 2)) if (dists >= 0).any() else 0
    hi = lo + 1
    w = float((log_sig[lo] - ls) / (log_sig[lo] - log_sig[hi]))
    w = min(max(w, 0.0), 1.0)
    return (1 - w) * lo + w * hi


@torch.no_grad()
def sample(cfg, tok, te, unet, vae, sf, prompts, seeds):
    import train
    ac = train.alphas_cumprod(cfg)
    sigmas, log_sig = karras_free_sigmas(ac, STEPS)
    v_pred = cfg['unet'].get('prediction', 'epsilon') == 'v'
    z, f = vae.z, vae.factor
    ids = torch.tensor([tok.encode_padded(p) for p in prompts] + [tok.encode_padded('')] * len(prompts))
    ctx = te(ids)
    x = torch.stack([torch.randn(z, 256 // f, 256 // f, generator=torch.Generator().manual_seed(s)) for s in seeds]) * sigmas[0].float()
    for i in range(STEPS):
        s = float(sigmas[i])
        c_in = 1 / math.sqrt(s * s + 1)
        t = torch.tensor([sigma_to_t(s, log_sig)], dtype=torch.float32)
        out = unet(torch.cat([x, x]) * c_in, t, ctx)
        cond, unc = out[:len(prompts)], out[len(prompts):]
        o = unc + CFG * (cond - unc)
        den = x / (s * s + 1) - o * s / math.sqrt(s * s + 1) if v_pred else x - s * o
        x = x + (x - den) / s * (float(sigmas[i + 1]) - s)
    img = vae.decoder(x / sf).clamp(-1, 1).add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).numpy()
    return list(img)


def probe_once(cfg, work, data_dir, net, items):
    import evaluate
    import train
    tok, te, unet, state = train.load_text_unet(cfg, work)
    vae = train.load_vae(cfg, work)
    with open(os.path.join(work, 'pool', 'stats.json')) as f:
        sf = json.load(f)['scaling_factor']
    t0 = time.time()
    imgs = sample(cfg, tok, te, unet, vae, sf, [p for p, _, _ in items], [300 + k for k in range(len(items))])
    classes = evaluate.id_classes(cfg, train.sprites_for(cfg, data_dir))
    pos = {c: k for k, c in enumerate(classes)}
    labels = [pos[i] for _, i, _ in items]
    top1, top5 = evaluate.topk(net, imgs, labels)
    bg = float(np.mean([evaluate.nearest_colour(evaluate.border_rgb(im.astype(np.float64)))[0] == col for im, (_, _, col) in zip(imgs, items)]))
    losses = state.get('losses', [])
    rec = {'step': state['step'], 'minutes': round(state['elapsed'] / 60, 1), 'mse': losses[-1][1] if losses else None,
           'identity_top1': top1, 'identity_top5': top5, 'background': bg, 'probe_seconds': round(time.time() - t0, 1)}
    with open(os.path.join(work, 'probe.jsonl'), 'a') as f:
        f.write(json.dumps(rec) + '\n')
    train.log(work, f'probe: {json.dumps(rec)}')
    return rec


def main():
    from configs import CONFIGS
    import evaluate
    import train
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True, choices=sorted(CONFIGS))
    ap.add_argument('--every', type=float, default=600)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--once', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = CONFIGS[args.config]
    work = os.path.join(HERE, 'work', args.config)
    limit = cfg['sprite_limit']
    data_dir = os.path.join(HERE, 'work', 'data' if limit == 0 else f'data-limit{limit}')
    sp = train.sprites_for(cfg, data_dir)
    net = evaluate.train_classifier(cfg, work, sp)
    items = probe_set(sp)
    path = os.path.join(work, 'unet.pt')
    seen = None
    while True:
        if os.path.exists(path) and os.path.getmtime(path) != seen:
            seen = os.path.getmtime(path)
            try:
                rec = probe_once(cfg, work, data_dir, net, items)
            except (RuntimeError, EOFError, KeyError) as err:  # a checkpoint being replaced: try again next round
                train.log(work, f'probe: skipped ({err})')
                rec = None
            if args.once or (rec and rec['step'] >= cfg['unet']['steps']):
                return
            if rec and os.path.exists(path) and torch.load(path, map_location='cpu').get('done'):
                return
        time.sleep(args.every)


if __name__ == '__main__':
    main()
