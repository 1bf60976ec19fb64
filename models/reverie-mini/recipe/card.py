"""Fills the model card (README.md) from recipe/card_template.md and what the recipe measured.

Every number in the card comes from a file the recipe wrote: work/<config>/train.log, pool/stats.json,
verify.json, eval.json, unet.pt state, and the exported folder.  Run by the `evaluate` stage; by hand:
  /usr/bin/python3 models/reverie-mini/recipe/card.py --config v2
"""
import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def pct(x):
    return '—' if x is None else f'{100 * x:.1f} %'


def mb(n):
    return f'{n / 1e6:.1f} MB'


def log_value(lines, pattern, group=1, last=True):
    hits = [m.group(group) for line in lines for m in [re.search(pattern, line)] if m]
    return (hits[-1] if last else hits[0]) if hits else '?'


def gpu_size():
    import models
    import train
    from configs import CONFIGS
    g = CONFIGS['gpu']
    te, unet = train.nets_from_cfg(g, g['vocab_size'])
    n = models.count(te) + models.count(unet) + models.count(train.vae_from_cfg(g))
    return f'{4 * n / 1e6:.0f} MB of fp32 weights for {n / 1e6:.1f} M parameters'


def render(cfg_name, work, out):
    import torch
    import models
    import train
    from configs import CONFIGS
    cfg = CONFIGS[cfg_name]
    with open(os.path.join(work, 'train.log')) as f:
        lines = f.read().split('\n')
    with open(os.path.join(work, 'eval.json')) as f:
        ev = json.load(f)
    with open(os.path.join(work, 'verify.json')) as f:
        ver = json.load(f)
    with open(os.path.join(work, 'pool', 'stats.json')) as f:
        stats = json.load(f)
    with open(os.path.join(out, 'model_index.json')) as f:
        rev = json.load(f)['reverie']
    state = torch.load(os.path.join(work, 'unet.pt'), map_location='cpu')['state']
    tok, te, unet, _ = train.load_text_unet(cfg, work)
    vae = train.vae_from_cfg(cfg)
    limit = cfg['sprite_limit']
    sprites = train.sprites_for(cfg, os.path.join(HERE, 'work', 'data' if limit == 0 else f'data-limit{limit}'))
    losses = state['losses']
    tail = [l for _, l in losses[-8:]]
    pool_t = [float(m) for m in re.findall(r'pool chunk \d+/\d+ \((\d+)s\)', '\n'.join(lines))]
    unet_min = state['elapsed'] / 60
    vae_min, vae_steps, vae_loss = log_value(lines, r'vae: done at step \d+ after ([0-9.]+) min'), log_value(lines, r'vae: done at step (\d+)'), log_value(lines, r'vae step \d+: .* l1 ([0-9.]+)')
    if vae_min == '?':
        # a run resumed from recipe/resume restores the VAE instead of training it: keep the card's earlier numbers
        old = open(os.path.join(out, 'README.md')).read() if os.path.exists(os.path.join(out, 'README.md')) else ''
        m = re.search(r'\| VAE \(.*\) \| ([0-9.]+) min, (\d+) steps \| L1 ([0-9.]+)', old)
        vae_min, vae_steps, vae_loss = m.groups() if m else ('0', '?', '?')
    vae_min = float(vae_min)
    tok_s = log_value(lines, r'tokenizer: .*, (\d+)s$')
    total = unet_min + vae_min + (pool_t[-1] / 60 if pool_t else 0) + float(tok_s if tok_s != '?' else 0) / 60
    b, i = ev['background'], ev['identity']
    offset = cfg['unet'].get('offset_noise', 0)
    start = cfg['unet'].get('offset_noise_from', 0)
    offset_note = ''
    if offset and start:
        offset_note = (f'The UNet stage ran {start} steps with plain Gaussian noise, then was resumed for the rest of the budget '
                       f'with offset noise ({offset}, per image and channel) so backgrounds can leave mid-grey; '
                       f'the configuration records both.')
    elif offset:
        offset_note = f'Offset noise ({offset}, per image and channel) throughout.'
    values = {
        'UNET_MIN': f'{unet_min:.0f}', 'GRID': 'samples.jpg', 'VOCAB': f'{len(tok.vocab):,}'.replace(',', ' '),
        'SAMPLER': ev['sampler'], 'TE_PARAMS': f'{models.count(te) / 1e6:.2f} M', 'UNET_PARAMS': f'{models.count(unet) / 1e6:.2f} M',
        'VAE_PARAMS': f'encoder {models.count(vae.encoder) / 1e6:.2f} M + decoder {models.count(vae.decoder) / 1e6:.2f} M',
        'SF': f'{stats["scaling_factor"]:.5f}', 'PREVIEW_RMSE': f'{rev.get("preview_fit_rmse", "?")}',
        'SIZE': mb(ev['model_folder_bytes_without_recipe']), 'PPC': str(cfg['eval']['prompts_per_colour']),
        'BG_ACC': pct(b['accuracy']), 'BG_SEEN': pct(b['accuracy_seen_objects']), 'BG_UNSEEN': pct(b['accuracy_heldout_objects']),
        'BG_DIST': f'{b["mean_rgb_distance"]:.0f}', 'ID_N': str(i['prompts']), 'ID_CLASSES': str(i['classes']),
        'PER_COLOUR': ', '.join(f'{c} {100 * v["accuracy"]:.0f} %' for c, v in b['per_colour'].items()),
        'ID_CHANCE5': pct(min(1.0, 5 * i['chance_top1'])), 'ID_TOP1': pct(i['generated_top1']), 'ID_TOP5': pct(i['generated_top5']), 'ID_CHANCE': pct(i['chance_top1']),
        'REAL_TOP1': pct(i['real_top1']), 'REAL_TOP5': pct(i['real_top5']), 'VAE_TOP1': pct(i['vae_roundtrip_top1']),
        'VAE_TOP5': pct(i['vae_roundtrip_top5']), 'VAE_L1': f'{ev["vae_roundtrip_l1"]:.3f}',
        'TIME': f'{ev["timing_20_steps_256_ms"] / 1000:.2f} s', 'TIME_ONNX': f'{ev["timing_sample_onnx_ms"] / 1000:.2f} s',
        'TIME_HOW': 'through the engine (`reverie generate` defaults: DPM++ 2M, Karras, CFG 7)' if ev.get('engine') else 'recipe/sample_onnx.mjs',
        'LOAD': f'{ev["engine"]["load_ms"] / 1000:.2f} s' if ev.get('engine') else '—',
        'GRID_SAMPLER': ('the engine (`reverie generate` with its defaults: DPM++ 2M sampler, Karras schedule, CFG 7, 20 steps)'
                         if ev.get('engine') else ev['sampler']), 'CLS_STEPS': str(cfg['eval']['classifier_steps']),
        'N_TRAIN': str(len(sprites.train)), 'N_HELDOUT': str(len(sprites.heldout)), 'POOL': f'{stats["count"]:,}'.replace(',', ' '),
        'TOK_TIME': f'{tok_s} s', 'MERGES': f'{len(tok.ranks):,}'.replace(',', ' '),
        'VAE_MIN': f'{vae_min:.1f} min', 'VAE_STEPS': vae_steps, 'VAE_LOSS': vae_loss,
        'POOL_TIME': f'{pool_t[-1] / 60:.1f} min' if pool_t else '?', 'LAT_STD': f'{stats["std"]:.3f}',
        'UNET_STEPS': str(state['step']), 'UNET_LOSS': f'{sum(tail) / max(1, len(tail)):.4f} (mean of the last {len(tail) * 25} steps)',
        'TOTAL_MIN': f'{total:.0f}', 'OFFSET_NOTE': offset_note, 'GPU_SIZE': gpu_size(),
        'VERIFY': ', '.join(f'{k} {v["maxAbsDiff"]:.1e}' for k, v in ver.items()),
    }
    values.update(v2_values(cfg_name, cfg, work, ev, state, len(sprites.train), total))
    with open(os.path.join(HERE, 'card_template.md')) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace('{{' + k + '}}', v)
    left = re.findall(r'\{\{[A-Z_0-9]+\}\}', text)
    if left:
        raise SystemExit(f'card: placeholders without values: {sorted(set(left))}')
    with open(os.path.join(out, 'README.md'), 'w') as f:
        f.write(text)
    return values


def probe_curve(work):
    # probe.jsonl is this segment's; probe.s<N>.jsonl are earlier sessions' logs kept beside it
    paths = sorted(glob.glob(os.path.join(work, 'probe*.jsonl')))
    by_step = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    by_step[r['step']] = r
    if not by_step:
        return '(no probe ran)'
    rows = [by_step[k] for k in sorted(by_step)]
    out = ['| step | minutes | v MSE (last 25 steps) | identity top-1 | identity top-5 | background |', '|---|---|---|---|---|---|']
    for r in rows:
        mse = '—' if r.get('mse') is None else f"{r['mse']:.4f}"
        out.append(f"| {r['step']} | {r['minutes']:.0f} | {mse} | {pct(r['identity_top1'])} | {pct(r['identity_top5'])} | {pct(r['background'])} |")
    return '\n'.join(out)


def v2_values(cfg_name, cfg, work, ev, state, n_objects, total_min):
    """The v2 card's status line, curve, limits and resume note, from the measured numbers."""
    b, i = ev['background'], ev['identity']
    bar = b['accuracy'] >= 0.9 and min(v['accuracy'] for v in b['per_colour'].values()) >= 0.7 and i['generated_top1'] >= 0.35 and i['generated_top5'] >= 0.6
    status = (f"> **v2: trained on this machine's two CPU cores in {total_min:.0f} minutes** ({state['step']} UNet steps of batch "
              f"{cfg['unet']['batch']}). It draws the asked background colour on {pct(b['accuracy'])} of held-out prompts and the asked "
              f"object with identity top-1 {pct(i['generated_top1'])} / top-5 {pct(i['generated_top5'])} over {i['classes']} objects "
              f"(chance {pct(i['chance_top1'])} / {pct(min(1.0, 5 * i['chance_top1']))}). ")
    status += ('That meets the bar set for it (background ≥ 90 %, each colour ≥ 70 %, identity top-1 ≥ 35 %, top-5 ≥ 60 %).' if bar else
               'The bar set for it (background ≥ 90 %, each colour ≥ 70 %, identity top-1 ≥ 35 %, top-5 ≥ 60 %) is not met yet: '
               'training continues from the committed resume point (below).')
    weak = [f'{c} {100 * v["accuracy"]:.0f} %' for c, v in b['per_colour'].items() if v['accuracy'] < 0.7]
    limits = []
    if weak:
        limits.append(f'- Background colours below 70 % on held-out prompts: {", ".join(weak)} (see the per-colour line above).')
    if i['generated_top1'] < i['real_top1']:
        limits.append(f'- Identity: {pct(i["generated_top1"])} top-1 against {pct(i["real_top1"])} for real renders and '
                      f'{pct(i["vae_roundtrip_top1"])} for VAE round trips: some objects come out as a related shape or a blob.')
    rpath = os.path.join(HERE, 'resume', f'{cfg_name}.pt')
    resume_note = ''
    if os.path.exists(rpath):
        r = __import__('torch').load(rpath, map_location='cpu')
        resume_note = (f'The committed resume point holds step {r["state"]["step"]} '
                       f'({r["state"]["elapsed"] / 60:.0f} minutes of UNet training, {os.path.getsize(rpath) / 1e6:.1f} MB).')
    return {'STATUS': status, 'CURVE': probe_curve(work), 'LIMITS': '\n'.join(limits),
            'SAMPLES_PER_OBJECT': f"{state['step'] * cfg['unet']['batch'] // max(1, n_objects):,}".replace(',', ' '),
            'RESUME_NOTE': resume_note}


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', default='v2')
    ap.add_argument('--work')
    ap.add_argument('--out', default=os.path.dirname(HERE))
    a = ap.parse_args()
    render(a.config, a.work or os.path.join(HERE, 'work', a.config), a.out)
