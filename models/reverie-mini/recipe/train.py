"""Training stages: tokenizer, VAE, latent pool, text encoder + UNet.  Each stage is resumable."""
import contextlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import data
import models


def log(work, msg):
    line = f'[{time.strftime("%H:%M:%S")}] {msg}'
    print(line, flush=True)
    with open(os.path.join(work, 'train.log'), 'a') as f:
        f.write(line + '\n')


def device():
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def sprites_for(cfg, data_dir):
    return data.Sprites(data_dir, cfg['sets'], cfg['concepts'], cfg['heldout_fraction'])


# ---------------------------------------------------------------- tokenizer
def stage_tokenizer(cfg, work, data_dir):
    out = os.path.join(work, 'tokenizer')
    if os.path.exists(os.path.join(out, 'merges.txt')):
        return
    sp = sprites_for(cfg, data_dir)
    texts = data.all_training_captions(sp, cfg['bpe_captions'], cfg['seed'])
    t0 = time.time()
    merges = bpe.train_bpe(texts, cfg['vocab_size'])
    bpe.save(out, merges, cfg['max_length'])
    tok = bpe.Tokenizer.from_folder(out)
    lens = [len(tok.ids(t)) for t in texts[: cfg['bpe_captions']]]
    log(work, f'tokenizer: {len(merges)} merges, vocab {len(tok.vocab)}, caption tokens mean {np.mean(lens):.1f} '
              f'max {max(lens)} (limit {cfg["max_length"]}), {time.time() - t0:.0f}s')


# ---------------------------------------------------------------- checkpoints
def save_ckpt(path, obj):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def vae_from_cfg(cfg):
    vc = cfg['vae']
    return models.VAE(tuple(vc['enc_ch']), tuple(vc['dec_ch']), vc.get('z', 4), vc.get('factor', 8))


# ---------------------------------------------------------------- VAE
def stage_vae(cfg, work, data_dir):
    vc = cfg['vae']
    path = os.path.join(work, 'vae.pt')
    dev = device()
    vae = vae_from_cfg(cfg).to(dev)
    opt = torch.optim.AdamW(vae.parameters(), vc['lr'], weight_decay=0.0)
    state = {'step': 0, 'elapsed': 0.0}
    if os.path.exists(path):
        ck = torch.load(path, map_location=dev)
        vae.load_state_dict(ck['model'])
        state = ck['state']
        if ck.get('done'):
            return vae
        opt.load_state_dict(ck['opt'])
    sp = sprites_for(cfg, data_dir)
    rng = np.random.default_rng(cfg['seed'] + state['step'])
    sampler = data.SceneSampler(sp, cfg['style_probs'], rng)
    log(work, f'vae: encoder {models.count(vae.encoder)} params, decoder {models.count(vae.decoder)} params, from step {state["step"]}')
    t_start = time.time() - state['elapsed']
    last_ck = time.time()
    crop = vc['crop']
    while state['step'] < vc['steps'] and (time.time() - t_start) < vc['minutes'] * 60:
        batch = []
        for _ in range(vc['batch']):
            spec, _ = sampler.sample()
            img = data.render(spec)
            o = spec['objects'][0]
            # crops centred near an object most of the time: backgrounds are easy
            cx = int(np.clip(o['cx'] * 256 + rng.integers(-40, 41), crop // 2, 256 - crop // 2)) // 8 * 8
            cy = int(np.clip(o['cy'] * 256 + rng.integers(-40, 41), crop // 2, 256 - crop // 2)) // 8 * 8
            batch.append(img[cy - crop // 2:cy + crop // 2, cx - crop // 2:cx + crop // 2])
        x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float().div(127.5).sub(1).to(dev)
        lr = vc['lr'] * min(1.0, (state['step'] + 1) / 50) * (0.5 * (1 + math.cos(math.pi * state['step'] / vc['steps'])) * 0.9 + 0.1)
        for g in opt.param_groups:
            g['lr'] = lr
        mean, logvar = vae.encoder(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        rec = vae.decoder(z)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        l1 = (rec - x).abs().mean()
        # image-gradient term keeps edges from washing out under a pure L1/L2 objective
        gx = lambda t: t[..., :, 1:] - t[..., :, :-1]
        gy = lambda t: t[..., 1:, :] - t[..., :-1, :]
        edge = (gx(rec) - gx(x)).abs().mean() + (gy(rec) - gy(x)).abs().mean()
        loss = l1 + F.mse_loss(rec, x) + 0.5 * edge + 1e-5 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        state['step'] += 1
        if state['step'] % 50 == 0:
            log(work, f'vae step {state["step"]}: loss {loss.item():.4f} l1 {l1.item():.4f} kl {kl.item():.2f} '
                      f'|mean| {mean.abs().mean().item():.2f} lr {lr:.2e} {time.time() - t_start:.0f}s')
        if time.time() - last_ck > cfg['ckpt_minutes'] * 60:
            state['elapsed'] = time.time() - t_start
            save_ckpt(path, {'model': vae.state_dict(), 'opt': opt.state_dict(), 'state': state})
            last_ck = time.time()
    state['elapsed'] = time.time() - t_start
    save_ckpt(path, {'model': vae.state_dict(), 'opt': opt.state_dict(), 'state': state, 'done': True})
    log(work, f'vae: done at step {state["step"]} after {state["elapsed"] / 60:.1f} min')
    return vae


def load_vae(cfg, work):
    vae = vae_from_cfg(cfg)
    vae.load_state_dict(torch.load(os.path.join(work, 'vae.pt'), map_location='cpu')['model'])
    return vae.eval()


# ---------------------------------------------------------------- latent pool
_SPRITES = {}


def _compose(cfg, data_dir, seed, n):
    """n composed scenes (uint8 [n,256,256,3]), their captions and background colours, from one seed."""
    key = (data_dir, tuple(cfg['sets']), cfg['concepts'])
    if key not in _SPRITES:
        _SPRITES[key] = sprites_for(cfg, data_dir)
    rng = np.random.default_rng(seed)
    sampler = data.SceneSampler(_SPRITES[key], cfg['style_probs'], rng, colour_object_boost=cfg['pool'].get('colour_object_boost', 0.0),
                                colour_adjective=cfg['pool'].get('colour_adjective', 0.0))
    imgs, caps, colours = [], [], []
    for _ in range(n):
        spec, cap = sampler.sample()
        imgs.append(data.render(spec))
        caps.append(cap)
        colours.append(spec['colour'])
    return np.stack(imgs), caps, colours


def _compose_star(args):
    return _compose(*args)


def stage_pool(cfg, work, data_dir):
    pc = cfg['pool']
    pool_dir = os.path.join(work, 'pool')
    os.makedirs(pool_dir, exist_ok=True)
    if os.path.exists(os.path.join(pool_dir, 'stats.json')):
        return
    dev = device()
    vae = load_vae(cfg, work).to(dev)
    n_chunks = math.ceil(pc['size'] / pc['chunk'])
    t0 = time.time()
    workers = pc.get('workers', 0)
    executor = None
    if workers > 0:
        import concurrent.futures
        import multiprocessing
        executor = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context('fork'))
    for ci in range(n_chunks):
        f = os.path.join(pool_dir, f'chunk{ci:04d}.npz')
        if os.path.exists(f):
            continue
        n = min(pc['chunk'], pc['size'] - ci * pc['chunk'])
        if executor is None:
            parts = [_compose(cfg, data_dir, cfg['seed'] * 1000 + ci, n)]
        else:  # parallel composition in parts of 256 scenes (own seeds), encoding stays in this process
            jobs = [(cfg, data_dir, (cfg['seed'] * 1000 + ci) * 10000 + p, min(256, n - p * 256)) for p in range(math.ceil(n / 256))]
            parts = list(executor.map(_compose_star, jobs))
        caps, lat, rgb, colours = [], [], [], []
        for imgs_all, pcaps, pcols in parts:
            caps += pcaps
            colours += pcols
            for start in range(0, len(imgs_all), 64):
                x = torch.from_numpy(imgs_all[start:start + 64]).permute(0, 3, 1, 2).float().div(127.5).sub(1)
                with torch.no_grad():
                    mean, _ = vae.encoder(x.to(dev))
                lat.append(mean.cpu().half().numpy())
                rgb.append(F.avg_pool2d(x, vae.factor).half().numpy())  # RGB at latent size, for the latent->RGB preview fit
        np.savez(f, latents=np.concatenate(lat), rgb=np.concatenate(rgb), captions=np.array(caps), colours=np.array(colours))
        log(work, f'pool chunk {ci + 1}/{n_chunks} ({time.time() - t0:.0f}s)')
    if executor is not None:
        executor.shutdown()
    lat = np.concatenate([np.load(os.path.join(pool_dir, f'chunk{i:04d}.npz'))['latents'] for i in range(n_chunks)]).astype(np.float32)
    stats = {'mean': float(lat.mean()), 'std': float(lat.std()), 'scaling_factor': float(1.0 / lat.std()),
             'channel_mean': lat.mean((0, 2, 3)).tolist(), 'channel_std': lat.std((0, 2, 3)).tolist(), 'count': int(lat.shape[0])}
    resumed = os.path.join(pool_dir, 'resume_stats.json')
    if os.path.exists(resumed):  # a resumed run keeps the scaling factor its UNet was trained with
        with open(resumed) as f:
            stats['scaling_factor'] = json.load(f)['scaling_factor']
    with open(os.path.join(pool_dir, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=2)
    log(work, f'pool: {lat.shape[0]} latents, std {stats["std"]:.4f} -> scaling_factor {stats["scaling_factor"]:.5f}')


def load_pool(work):
    pool_dir = os.path.join(work, 'pool')
    files = sorted(f for f in os.listdir(pool_dir) if f.startswith('chunk'))
    parts = [np.load(os.path.join(pool_dir, f)) for f in files]
    with open(os.path.join(pool_dir, 'stats.json')) as f:
        stats = json.load(f)
    return (np.concatenate([p['latents'] for p in parts]), np.concatenate([p['captions'] for p in parts]),
            np.concatenate([p['rgb'] for p in parts]), stats)


# ---------------------------------------------------------------- text encoder + UNet
def alphas_cumprod(cfg):
    s = cfg['schedule']
    betas = torch.linspace(s['beta_start'] ** 0.5, s['beta_end'] ** 0.5, s['num_train_timesteps'], dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0)


def nets_from_cfg(cfg, vocab_size):
    tc, uc = cfg['text'], cfg['unet']
    te = models.TextEncoder(vocab_size, cfg['max_length'], tc['width'], tc['layers'], tc['heads'])
    unet = models.UNet(tuple(uc['ch']), tc['width'], uc['heads'], latent_channels=cfg['vae'].get('z', 4), attn0=uc.get('attn0', False))
    return te, unet


def stage_unet(cfg, work):
    uc = cfg['unet']
    dev = device()
    tok = bpe.Tokenizer.from_folder(os.path.join(work, 'tokenizer'))
    te, unet = nets_from_cfg(cfg, len(tok.vocab))
    te.to(dev)
    unet.to(dev)
    ema_te, ema_unet = nets_from_cfg(cfg, len(tok.vocab))
    ema_te.load_state_dict(te.state_dict())
    ema_unet.load_state_dict(unet.state_dict())
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, uc['lr'], betas=(0.9, 0.99), weight_decay=0.01)
    path = os.path.join(work, 'unet.pt')
    state = {'step': 0, 'elapsed': 0.0, 'losses': []}
    if os.path.exists(path):
        ck = torch.load(path, map_location=dev)
        te.load_state_dict(ck['te'])
        unet.load_state_dict(ck['unet'])
        ema_te.load_state_dict(ck['ema_te'])
        ema_unet.load_state_dict(ck['ema_unet'])
        if ck.get('opt') is not None:  # a committed resume point (resume.py) carries no optimizer state
            opt.load_state_dict(ck['opt'])
        state = ck['state']
        seg0, segt0 = state.get('resumed_at', 0), state.get('resumed_elapsed', 0.0)
        if ck.get('done') and (state['step'] - seg0 >= uc['steps'] or state['elapsed'] - segt0 >= uc['minutes'] * 60):
            return
    # a run resumed from a committed resume point is a new segment: warm-up, step and time budget start again there
    seg0, segt0 = state.get('resumed_at', 0), state.get('resumed_elapsed', 0.0)
    lat, caps, _, stats = load_pool(work)
    sf = stats['scaling_factor']
    ids = np.array([tok.encode_padded(str(c)) for c in caps], dtype=np.int64)
    ac = alphas_cumprod(cfg).float().to(dev)
    log(work, f'unet: {models.count(unet)} params, text encoder {models.count(te)} params, pool {len(caps)}, from step {state["step"]}')
    rng = np.random.default_rng(cfg['seed'] + 7 + state['step'])
    torch.manual_seed(cfg['seed'] + state['step'])
    use_bf16 = uc['device_dtype'] == 'bfloat16' and dev.type == 'cuda'
    t_start = time.time() - state['elapsed']
    last_ck = time.time()
    ema_te.to(dev)
    ema_unet.to(dev)
    run_loss = []
    while state['step'] - seg0 < uc['steps'] and (time.time() - t_start - segt0) < uc['minutes'] * 60:
        idx = rng.integers(0, len(caps), uc['batch'])
        x0 = torch.from_numpy(lat[idx]).float().to(dev) * sf
        tid = torch.from_numpy(ids[idx]).to(dev)
        t = torch.randint(0, ac.shape[0], (uc['batch'],), device=dev)
        noise = torch.randn_like(x0)
        if uc.get('offset_noise', 0) > 0 and state['step'] >= uc.get('offset_noise_from', 0):
            # offset noise (Guttenberg 2023): a per-image, per-channel constant in the noise, so the image mean
            # cannot be read off x_T during training and must come from the text; SD's schedule keeps
            # sqrt(alpha_bar_T) = 0.068 > 0, which otherwise pins generated backgrounds to mid-grey.
            noise = noise + uc['offset_noise'] * torch.randn(x0.shape[0], x0.shape[1], 1, 1, device=dev)
        a = ac[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        step = state['step']
        # cosine over whichever cap comes first: the step count or the time budget
        progress = min(1.0, max((step - seg0) / uc['steps'], (time.time() - t_start - segt0) / (uc['minutes'] * 60)))
        lr = uc['lr'] * min(1.0, (step - seg0 + 1) / uc['warmup']) * (0.5 * (1 + math.cos(math.pi * progress)) * 0.95 + 0.05)
        for g in opt.param_groups:
            g['lr'] = lr
        with (torch.autocast('cuda', dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext()):
            pred = unet(xt, t.float(), te(tid))
        snr = a.view(-1) / (1 - a.view(-1))
        if uc.get('prediction', 'epsilon') == 'v':
            # v-prediction (Salimans & Ho 2022): v = sqrt(a) eps - sqrt(1-a) x0; min-SNR-gamma weight min(snr, g)/(snr + 1)
            target = a.sqrt() * noise - (1 - a).sqrt() * x0
            w = torch.clamp(snr, max=uc['min_snr_gamma']) / (snr + 1)
        else:
            target = noise
            w = torch.clamp(snr, max=uc['min_snr_gamma']) / snr  # min-SNR-gamma weighting for epsilon targets (Hang et al. 2023)
        per = (pred.float() - target).pow(2).mean((1, 2, 3))
        loss = (w * per).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        d = min(uc['ema'], (1 + step) / (10 + step))
        with torch.no_grad():
            for m, e in ((te, ema_te), (unet, ema_unet)):
                for p, q in zip(m.parameters(), e.parameters()):
                    q.mul_(d).add_(p.detach(), alpha=1 - d)
        state['step'] += 1
        run_loss.append(per.mean().item())
        if state['step'] % 25 == 0:
            state['losses'].append((state['step'], float(np.mean(run_loss))))
            log(work, f'unet step {state["step"]}: mse {np.mean(run_loss):.4f} weighted {loss.item():.4f} lr {lr:.2e} '
                      f'{time.time() - t_start:.0f}s')
            run_loss = []
        if time.time() - last_ck > cfg['ckpt_minutes'] * 60:
            state['elapsed'] = time.time() - t_start
            save_ckpt(path, {'te': te.state_dict(), 'unet': unet.state_dict(), 'ema_te': ema_te.state_dict(),
                             'ema_unet': ema_unet.state_dict(), 'opt': opt.state_dict(), 'state': state})
            last_ck = time.time()
    state['elapsed'] = time.time() - t_start
    save_ckpt(path, {'te': te.state_dict(), 'unet': unet.state_dict(), 'ema_te': ema_te.state_dict(),
                     'ema_unet': ema_unet.state_dict(), 'opt': opt.state_dict(), 'state': state, 'done': True})
    log(work, f'unet: done at step {state["step"]} after {state["elapsed"] / 60:.1f} min')


def load_text_unet(cfg, work, ema=True):
    tok = bpe.Tokenizer.from_folder(os.path.join(work, 'tokenizer'))
    te, unet = nets_from_cfg(cfg, len(tok.vocab))
    ck = torch.load(os.path.join(work, 'unet.pt'), map_location='cpu')
    te.load_state_dict(ck['ema_te' if ema else 'te'])
    unet.load_state_dict(ck['ema_unet' if ema else 'unet'])
    return tok, te.eval(), unet.eval(), ck['state']
