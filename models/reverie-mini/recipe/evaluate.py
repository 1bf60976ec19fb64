"""Evaluation of the exported ONNX model (generation runs through recipe/sample_onnx.mjs on onnxruntime-node).

* background-colour adherence: held-out caption phrasings x 12 colours, half with objects never seen in
  training; the mean colour of the generated image's border ring (12 px) is matched to the nearest named
  colour of the palette;
* identity adherence: a separately trained small classifier (real renders of the training objects on random
  backgrounds) scores generated images of held-out phrasings; top-1 / top-5 over all training objects, next
  to the same classifier's score on real renders and on VAE round trips of real renders (the ceilings);
* CPU time for 20 steps at 256x256 with CFG (2 UNet rows per step), ONNX Runtime default threads;
* a sample grid.
"""
import json
import os
import subprocess
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

import data
import train

HERE = os.path.dirname(os.path.abspath(__file__))
GRID_PROMPTS = [
    'a red apple on a blue background', 'a cat on a yellow background', 'a rocket on a black background',
    'a small dog in the top left corner on a green background', 'a large sun on a purple background',
    'a cat and a rocket on a pink background', 'a banana on a white background', 'a red heart on a gray background',
    'a car on an orange background', 'a tree on a beige background', 'a pizza on a red background',
    'a fish on a blue background', 'a house on a green background', 'a flat red apple on a white background, flat style',
    'a ghost on a black background', 'a star on a brown background',
]
BORDER = 12


CLS_SIZE = 32


class Classifier(nn.Module):
    """Small CNN over 32x32 renders: 4 conv stages (BN, ReLU), global average pool, linear head."""

    def __init__(self, n):
        super().__init__()
        ch = [3, 32, 64, 128, 256]
        layers = []
        for k, (a, b) in enumerate(zip(ch, ch[1:])):
            layers += [nn.Conv2d(a, b, 3, stride=1 if k == 0 else 2, padding=1), nn.BatchNorm2d(b), nn.ReLU()]
        self.f = nn.Sequential(*layers)
        self.head = nn.Linear(256, n)

    def forward(self, x):
        return self.head(self.f(x).mean((2, 3)))


def to_tensor_cls(imgs):
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div(127.5).sub(1)
    return F.interpolate(x, size=(CLS_SIZE, CLS_SIZE), mode='area') if x.shape[-1] != CLS_SIZE else x


def id_scene(sampler, concept, rng, size=256, sprite=None):
    """One object, medium size, near the centre, random named background: what the identity prompts ask for."""
    style = sampler.styles[rng.choice(len(sampler.styles), p=sampler.style_p)]
    colour = list(data.COLOURS)[rng.integers(len(data.COLOURS))]
    view = sampler._view(concept, style)
    rgba = sampler.sprites.rgba(view) if sprite is None else sprite(view)
    spec = {'bg_rgb': np.clip(np.array(data.COLOURS[colour]) + rng.integers(-12, 13, 3), 0, 255).tolist(), 'colour': colour,
            'objects': [{'rgba': rgba, 'cx': 0.5 + rng.uniform(-0.08, 0.08), 'cy': 0.5 + rng.uniform(-0.08, 0.08),
                         'scale': rng.uniform(0.45, 0.8)}]}
    return data.render(spec, size), colour


def id_classes(cfg, sp):
    """The identity-evaluation vocabulary: a fixed random subset of the training objects."""
    k = min(cfg['eval']['id_classes'], len(sp.train))
    return sorted(np.random.default_rng(31).choice(len(sp.train), k, replace=False).tolist())


def train_classifier(cfg, work, sp):
    path = os.path.join(work, 'classifier.pt')
    classes = id_classes(cfg, sp)
    n = len(classes)
    net = Classifier(n)
    if os.path.exists(path):
        net.load_state_dict(torch.load(path))
        return net.eval()
    rng = np.random.default_rng(5)
    sampler = data.SceneSampler(sp, cfg['style_probs'], rng)
    small = {}

    def sprite(view):  # sprites pre-shrunk once: rendering small scenes from 256x256 sprites is the slow part
        if view not in small:
            small[view] = np.asarray(Image.fromarray(np.ascontiguousarray(sp.rgba(view))).resize((64, 64), Image.BILINEAR))
        return small[view]

    opt = torch.optim.AdamW(net.parameters(), 3e-3, weight_decay=1e-4)
    steps = cfg['eval']['classifier_steps']
    t0 = time.time()
    for step in range(steps):
        idx = rng.integers(0, n, 64)
        x = to_tensor_cls([id_scene(sampler, sp.train[classes[i]], rng, CLS_SIZE, sprite)[0] for i in idx])
        for g in opt.param_groups:
            g['lr'] = 3e-3 * min(1.0, (step + 1) / 100) * 0.5 * (1 + np.cos(np.pi * step / steps))
        loss = F.cross_entropy(net(x), torch.from_numpy(idx), label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 100 == 0:
            train.log(work, f'classifier step {step + 1}: loss {loss.item():.3f} ({time.time() - t0:.0f}s)')
    torch.save(net.state_dict(), path)
    return net.eval()


def topk(net, imgs, labels):
    with torch.no_grad():
        logits = net(to_tensor_cls(imgs))
    top = logits.topk(5, 1).indices.numpy()
    labels = np.asarray(labels)
    return float((top[:, 0] == labels).mean()), float((top == labels[:, None]).any(1).mean())


def border_rgb(img):
    m = np.ones(img.shape[:2], bool)
    m[BORDER:-BORDER, BORDER:-BORDER] = False
    return img[m].reshape(-1, 3).mean(0)


def nearest_colour(rgb):
    names = list(data.COLOURS)
    d = [np.linalg.norm(rgb - np.array(data.COLOURS[c])) for c in names]
    return names[int(np.argmin(d))], float(min(d))


def run_sampler(out, jobs, steps, cfg_scale, threads):
    f = os.path.join(os.path.dirname(jobs[0]['out']), 'jobs.json')
    os.makedirs(os.path.dirname(f), exist_ok=True)
    with open(f, 'w') as fh:
        json.dump({'steps': steps, 'cfg': cfg_scale, 'jobs': jobs}, fh)
    cmd = ['node', os.path.join(HERE, 'sample_onnx.mjs'), out, f] + (['--threads', str(threads)] if threads else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().split('\n')[-1])


REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
CLI = os.path.join(REPO, 'src-main', 'cli', 'bin.mjs')


def engine_generate(out, prompt, seed, png, extra=()):
    """One image through the app's engine (the `reverie generate` CLI, its default sampler and schedule)."""
    cmd = ['node', CLI, 'generate', '--model', out, '--prompt', prompt, '--seed', str(seed), '--out', png, '--json', '--provider', 'cpu', *extra]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(res.stdout.strip().split('\n')[-1])


def stage_evaluate(cfg, work, out, data_dir, cfg_scale=7.0):
    ev = cfg['eval']
    edir = os.path.join(work, 'eval')
    os.makedirs(edir, exist_ok=True)
    sp = train.sprites_for(cfg, data_dir)
    rng = np.random.default_rng(2024)
    steps = ev['sample_steps']
    # ---- prompts
    bg_jobs, bg_meta = [], []
    for ci, colour in enumerate(data.COLOURS):
        for k in range(ev['prompts_per_colour']):
            heldout_obj = k % 2 == 1 and len(sp.heldout) > 0
            pool = sp.heldout if heldout_obj else sp.train
            c = pool[rng.integers(len(pool))]
            form = data.HELDOUT_FORMS[k % len(data.HELDOUT_FORMS)]
            word = 'grey' if colour == 'gray' and k % 4 == 2 else colour
            prompt = form.format(x=data.article(c.get('name', c['label'])), c=word, ac=data.article(word))
            bg_jobs.append({'prompt': prompt, 'seed': 1000 + len(bg_jobs), 'out': os.path.join(edir, 'bg', f'{len(bg_jobs):04d}.png')})
            bg_meta.append({'colour': colour, 'heldout_object': heldout_obj})
    classes = id_classes(cfg, sp)
    n_id = min(ev.get('id_prompts', ev['prompts_per_colour'] * 6), len(classes))
    id_idx = rng.choice(len(classes), n_id, replace=False)  # labels = positions in `classes`
    id_jobs = []
    for k, i in enumerate(id_idx):
        colour = list(data.COLOURS)[rng.integers(len(data.COLOURS))]
        form = data.HELDOUT_FORMS[k % len(data.HELDOUT_FORMS)]
        c = sp.train[classes[i]]
        prompt = form.format(x=data.article(c.get('name', c['label'])), c=colour, ac=data.article(colour))
        id_jobs.append({'prompt': prompt, 'seed': 5000 + k, 'out': os.path.join(edir, 'id', f'{k:04d}.png')})
    grid_jobs = [{'prompt': p, 'seed': 42 + k, 'out': os.path.join(edir, 'grid', f'{k:02d}.png')} for k, p in enumerate(GRID_PROMPTS)]
    # ---- generate (1 thread: the machine is shared) and time (default threads)
    t0 = time.time()
    for jobs in (bg_jobs, id_jobs):
        run_sampler(out, jobs, steps, cfg_scale, 1)
    timing_jobs = [{'prompt': GRID_PROMPTS[0], 'seed': k, 'out': os.path.join(edir, 'timing', f'{k}.png')} for k in range(3)]
    timing = run_sampler(out, timing_jobs, 20, cfg_scale, 0)
    engine = None
    if os.path.exists(CLI):
        # the grid and the timing through the engine with the app's defaults (DPM++ 2M, Karras, CFG 7, 20 steps)
        for j in grid_jobs:
            engine_generate(out, j['prompt'], j['seed'], j['out'])
        r = engine_generate(out, GRID_PROMPTS[0], 1, os.path.join(edir, 'timing', 'engine.png'), ['--batch-count', '3'])
        t = r['timings']
        engine = {'per_image_ms': round((sum(t['steps']) + t['decode']) / 3 + t['encode']), 'load_ms': round(t['load']),
                  'provider': r['provider'], 'settings': 'reverie generate defaults: DPM++ 2M, Karras, CFG 7, 20 steps'}
    else:
        run_sampler(out, grid_jobs, steps, cfg_scale, 1)
    train.log(work, f'evaluate: generated {len(bg_jobs) + len(id_jobs) + len(grid_jobs)} images in {time.time() - t0:.0f}s')
    # ---- background adherence
    hits, dists, hits_seen, hits_unseen = [], [], [], []
    per_colour = {}
    for job, meta in zip(bg_jobs, bg_meta):
        img = np.asarray(Image.open(job['out']).convert('RGB')).astype(np.float64)
        name, _ = nearest_colour(border_rgb(img))
        ok = name == meta['colour']
        hits.append(ok)
        dists.append(float(np.linalg.norm(border_rgb(img) - np.array(data.COLOURS[meta['colour']]))))
        (hits_unseen if meta['heldout_object'] else hits_seen).append(ok)
        per_colour.setdefault(meta['colour'], []).append(name)
    # ---- identity adherence
    net = train_classifier(cfg, work, sp)
    gen = [np.asarray(Image.open(j['out']).convert('RGB')) for j in id_jobs]
    id_top1, id_top5 = topk(net, gen, id_idx)
    rrng = np.random.default_rng(77)
    rs = data.SceneSampler(sp, cfg['style_probs'], rrng)
    real = [id_scene(rs, sp.train[classes[i]], rrng)[0] for i in id_idx]
    real_top1, real_top5 = topk(net, real, id_idx)
    vae = train.load_vae(cfg, work)
    with torch.no_grad():
        x = torch.from_numpy(np.stack(real)).permute(0, 3, 1, 2).float().div(127.5).sub(1)
        rec = vae.decoder(vae.encoder(x)[0]).clamp(-1, 1).add(1).mul(127.5).round().byte().permute(0, 2, 3, 1).numpy()
        vae_l1 = float((torch.from_numpy(rec).float() - torch.from_numpy(np.stack(real)).float()).abs().mean() / 255)
    vae_top1, vae_top5 = topk(net, list(rec), id_idx)
    # ---- grid
    tiles = [np.asarray(Image.open(j['out']).convert('RGB')) for j in grid_jobs]
    rows = [np.concatenate(tiles[r * 4:(r + 1) * 4], 1) for r in range(len(tiles) // 4)]
    Image.fromarray(np.concatenate(rows, 0)).save(os.path.join(out, 'samples.jpg'), quality=88)
    Image.fromarray(np.concatenate([np.concatenate(real[:8], 1), np.concatenate(list(rec[:8]), 1)], 0)).save(os.path.join(edir, 'vae_roundtrip.png'))
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, dn, fn in os.walk(out) for f in fn
               if os.path.relpath(dp, out).split(os.sep)[0] != 'recipe')
    report = {
        'sampler': f'k-diffusion Euler, normal schedule, {steps} steps, CFG {cfg_scale}, uncond = empty prompt',
        'background': {'prompts': len(bg_jobs), 'accuracy': float(np.mean(hits)), 'accuracy_seen_objects': float(np.mean(hits_seen)),
                       'accuracy_heldout_objects': float(np.mean(hits_unseen)) if hits_unseen else None,
                       'mean_rgb_distance': float(np.mean(dists)), 'chance': 1 / len(data.COLOURS),
                       'per_colour': {c: {'accuracy': float(np.mean([n == c for n in got])), 'got': got} for c, got in per_colour.items()}},
        'identity': {'prompts': n_id, 'classes': len(classes), 'objects': [sp.train[classes[i]].get('name', sp.train[classes[i]]['label']) for i in id_idx], 'generated_top1': id_top1, 'generated_top5': id_top5,
                     'real_top1': real_top1, 'real_top5': real_top5, 'vae_roundtrip_top1': vae_top1, 'vae_roundtrip_top5': vae_top5,
                     'chance_top1': 1 / len(classes)},
        'vae_roundtrip_l1': vae_l1,
        'timing_20_steps_256_ms': engine['per_image_ms'] if engine else timing['meanMs'],
        'timing_sample_onnx_ms': timing['meanMs'],
        'engine': engine,
        'grid': 'engine (reverie generate defaults)' if engine else 'recipe/sample_onnx.mjs',
        'model_folder_bytes_without_recipe': size,
    }
    with open(os.path.join(work, 'eval.json'), 'w') as f:
        json.dump(report, f, indent=2)
    train.log(work, 'evaluate: ' + json.dumps(report))
    return report
