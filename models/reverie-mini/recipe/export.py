"""Export to the diffusers ONNX folder layout and verify it against PyTorch through onnxruntime-node.

Layout (what the engine reads, see /work/shared/design/model-formats.md):
  model_index.json              OnnxStableDiffusionPipeline + our "reverie" object (family, default size, preview factors)
  scheduler/scheduler_config.json   SD 1.x schedule: scaled_linear 0.00085..0.012, 1000 steps, epsilon
  tokenizer/{vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json}
  text_encoder/model.onnx       input_ids int32 [batch, L] -> last_hidden_state float32 [batch, L, H]
  unet/model.onnx               sample f32 [batch,4,h,w], timestep f32 [n] (n = 1 or batch, fractional allowed),
                                encoder_hidden_states f32 [batch, L, H] -> out_sample f32 [batch,4,h,w]
  vae_decoder/model.onnx        latent_sample f32 [batch,4,h,w] (unscaled) -> sample f32 [batch,3,8h,8w] in [-1,1]
  vae_encoder/model.onnx        sample f32 [batch,3,H,W] in [-1,1] -> latent_sample f32 [batch,4,H/8,W/8] (the mean; unscaled)
  vae_decoder/config.json, vae_encoder/config.json   scaling_factor = 1 / std of the training latents
"""
import json
import os
import shutil
import subprocess

import numpy as np
import torch

import train

OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))


class TextEncoderOnnx(torch.nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te

    def forward(self, input_ids):
        return self.te(input_ids)


class VaeDecoderOnnx(torch.nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, latent_sample):
        return self.dec(latent_sample)


class VaeEncoderOnnx(torch.nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, sample):
        return self.enc.net(sample)[:, 0:self.enc.z]  # the posterior mean (first z channels of mean || logvar)


def _export(module, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def fit_preview(latents, rgb, sf):
    """Least squares [r,g,b] = scaled_latent @ W + b, with rgb in [-1, 1] (ComfyUI's latent preview convention)."""
    x = latents.astype(np.float64).transpose(0, 2, 3, 1).reshape(-1, latents.shape[1]) * sf
    y = rgb.astype(np.float64).transpose(0, 2, 3, 1).reshape(-1, 3)
    sel = np.random.default_rng(0).choice(len(x), min(len(x), 400000), replace=False)
    a = np.concatenate([x[sel], np.ones((len(sel), 1))], 1)
    coef, *_ = np.linalg.lstsq(a, y[sel], rcond=None)
    pred = a @ coef
    rmse = float(np.sqrt(((pred - y[sel]) ** 2).mean()))
    return coef[:-1].round(5).tolist(), coef[-1].round(5).tolist(), rmse


GOLDEN_PROMPTS = [
    'a red apple on a blue background', 'A Red Apple  on a BLUE background!', 'a cat and a rocket on a pink background',
    'a small dog in the top left corner, grey backdrop', 'a piñata at the café', "don't stop 42 times", '',
    'an extraordinarily long prompt ' * 12, 'a 3d rocket, flat style, cartoon style', 'zebra-unicorn hybrid (x2) :)',
]


def write_token_golden(tok, path):
    """Ids of the training tokenizer (recipe/bpe.py) for prompts the engine's tokenizer must reproduce."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cases = [{'text': p, 'ids': tok.ids(p), 'padded': tok.encode_padded(p)} for p in GOLDEN_PROMPTS]
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({'about': 'produced by recipe/bpe.py (the tokenizer used in training) at export time; '
                            'ids = BOS..EOS cut to model_max_length, padded = the text encoder row',
                   'max_length': tok.max_length, 'cases': cases}, f, ensure_ascii=False, indent=1)


def stage_export(cfg, work, out):
    tok, te, unet, state = train.load_text_unet(cfg, work)
    vae = train.load_vae(cfg, work)
    lat, _, rgb, stats = train.load_pool(work)
    sf = stats['scaling_factor']
    L, H = cfg['max_length'], cfg['text']['width']
    for sub in ('text_encoder', 'unet', 'vae_decoder', 'vae_encoder', 'tokenizer', 'scheduler'):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    ids = torch.tensor([tok.encode_padded('a red apple on a blue background')], dtype=torch.int32)
    _export(TextEncoderOnnx(te), (ids,), os.path.join(out, 'text_encoder', 'model.onnx'), ['input_ids'], ['last_hidden_state'],
            {'input_ids': {0: 'batch'}, 'last_hidden_state': {0: 'batch'}})
    z, f = vae.z, vae.factor
    x = torch.randn(2, z, 256 // f, 256 // f)
    t = torch.tensor([500.0])
    ctx = torch.randn(2, L, H)
    _export(unet, (x, t, ctx), os.path.join(out, 'unet', 'model.onnx'), ['sample', 'timestep', 'encoder_hidden_states'], ['out_sample'],
            {'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'timestep': {0: 'steps'}, 'encoder_hidden_states': {0: 'batch', 1: 'sequence'},
             'out_sample': {0: 'batch', 2: 'height', 3: 'width'}})
    _export(VaeDecoderOnnx(vae.decoder), (torch.randn(1, z, 256 // f, 256 // f),), os.path.join(out, 'vae_decoder', 'model.onnx'), ['latent_sample'],
            ['sample'], {'latent_sample': {0: 'batch', 2: 'height', 3: 'width'}, 'sample': {0: 'batch', 2: 'height', 3: 'width'}})
    _export(VaeEncoderOnnx(vae.encoder), (torch.rand(1, 3, 256, 256) * 2 - 1,), os.path.join(out, 'vae_encoder', 'model.onnx'), ['sample'],
            ['latent_sample'], {'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'latent_sample': {0: 'batch', 2: 'height', 3: 'width'}})
    shutil.copytree(os.path.join(work, 'tokenizer'), os.path.join(out, 'tokenizer'))
    weights, bias, rmse = fit_preview(lat, rgb, sf)
    sched = cfg['schedule']
    model_index = {
        '_class_name': 'OnnxStableDiffusionPipeline', '_diffusers_version': '0.30.0',
        'feature_extractor': [None, None], 'safety_checker': [None, None], 'requires_safety_checker': False,
        'scheduler': ['diffusers', 'EulerDiscreteScheduler'], 'text_encoder': ['diffusers', 'OnnxRuntimeModel'],
        'tokenizer': ['transformers', 'CLIPTokenizer'], 'unet': ['diffusers', 'OnnxRuntimeModel'],
        'vae_decoder': ['diffusers', 'OnnxRuntimeModel'], 'vae_encoder': ['diffusers', 'OnnxRuntimeModel'],
        'reverie': {'family': 'reverie', 'default_size': [256, 256], 'latent_rgb_factors': weights, 'latent_rgb_bias': bias,
                    'preview_fit_rmse': round(rmse, 4), 'trained_on': 'cpu' if cfg['unet']['device_dtype'] == 'float32' else 'gpu'},
    }
    scheduler = {
        '_class_name': 'EulerDiscreteScheduler', '_diffusers_version': '0.30.0', 'beta_start': sched['beta_start'],
        'beta_end': sched['beta_end'], 'beta_schedule': 'scaled_linear', 'num_train_timesteps': sched['num_train_timesteps'],
        'prediction_type': 'v_prediction' if cfg['unet'].get('prediction', 'epsilon') == 'v' else 'epsilon', 'timestep_spacing': 'leading', 'steps_offset': 1, 'set_alpha_to_one': False,
        'clip_sample': False, 'interpolation_type': 'linear', 'use_karras_sigmas': False,
    }
    # block_out_channels: diffusers reads the downsampling factor from its length (2^(len - 1)); so does the engine
    vae_cfg = {'_class_name': 'AutoencoderKL', '_diffusers_version': '0.30.0', 'in_channels': 3, 'out_channels': 3, 'latent_channels': z,
               'sample_size': 256, 'scaling_factor': round(sf, 6), 'block_out_channels': list(reversed(cfg['vae']['dec_ch'])),
               'down_block_types': ['reverie-mini pixel-unshuffle encoder'],
               'encoder_block_out_channels': cfg['vae']['enc_ch'], 'decoder_block_out_channels': cfg['vae']['dec_ch']}
    unet_cfg = {'_class_name': 'UNet2DConditionModel', '_diffusers_version': '0.30.0', 'in_channels': z, 'out_channels': z,
                'sample_size': 256 // f, 'block_out_channels': cfg['unet']['ch'], 'cross_attention_dim': H, 'attention_head_dim': H // cfg['unet']['heads'],
                'timestep_input': 'float32 [1] or [batch]; fractional timesteps are valid (sinusoidal embedding)',
                'training_steps': state['step'], 'training_minutes': round(state['elapsed'] / 60, 1)}
    te_cfg = {'architectures': ['CLIPTextModel'], 'model_type': 'clip_text_model', 'vocab_size': len(tok.vocab), 'hidden_size': H,
              'intermediate_size': 4 * H, 'num_hidden_layers': cfg['text']['layers'], 'num_attention_heads': cfg['text']['heads'],
              'max_position_embeddings': L, 'hidden_act': 'gelu', 'bos_token_id': tok.bos, 'eos_token_id': tok.eos, 'pad_token_id': tok.pad}
    files = {'model_index.json': model_index, 'scheduler/scheduler_config.json': scheduler, 'vae_decoder/config.json': vae_cfg,
             'vae_encoder/config.json': vae_cfg, 'unet/config.json': unet_cfg, 'text_encoder/config.json': te_cfg}
    for rel, obj in files.items():
        os.makedirs(os.path.dirname(os.path.join(out, rel)) or out, exist_ok=True)
        with open(os.path.join(out, rel), 'w') as f:
            json.dump(obj, f, indent=2)
            f.write('\n')
    if cfg['concepts'] == 'vocab':
        import data
        import vocabulary
        voc = vocabulary.vocabulary_json(list(data.COLOURS) + ['grey'], [w for ws in data.SIZE_WORDS.values() for w in ws if w],
                                         [p for p in data.POSITIONS if p], sorted({w for ws in data.STYLE_WORDS.values() for w in ws}))
        with open(os.path.join(out, 'vocabulary.json'), 'w') as fh:
            json.dump(voc, fh, indent=1)
            fh.write('\n')
    write_token_golden(tok, os.path.join(HERE, 'golden', 'tokens.json') if out == os.path.dirname(HERE) else os.path.join(work, 'tokens.json'))
    train.log(work, f'export: wrote {out} (scaling_factor {sf:.5f}, preview rmse {rmse:.3f})')


def stage_verify(cfg, work, out):
    """Save PyTorch inputs/outputs, run the ONNX files with onnxruntime-node, report max abs differences."""
    tok, te, unet, _ = train.load_text_unet(cfg, work)
    vae = train.load_vae(cfg, work)
    vdir = os.path.join(work, 'verify')
    os.makedirs(vdir, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    prompts = ['a red apple on a blue background', 'a small cat on the left, pink background']
    ids = torch.tensor([tok.encode_padded(p) for p in prompts], dtype=torch.int32)
    x = torch.randn(2, vae.z, 21, 17, generator=g)  # non-square and odd on purpose: dynamic height/width, any latent size
    t = torch.tensor([321.5])
    pix = torch.rand(2, 3, 256, 192, generator=g) * 2 - 1
    with torch.no_grad():
        ctx = te(ids)
        eps = unet(x, t, ctx)
        img = vae.decoder(x[:, :, :, :12])
        z = vae.encoder(pix)[0]
    cases = {
        'text_encoder': {'inputs': {'input_ids': ids}, 'outputs': {'last_hidden_state': ctx}},
        'unet': {'inputs': {'sample': x, 'timestep': t, 'encoder_hidden_states': ctx}, 'outputs': {'out_sample': eps}},
        'vae_decoder': {'inputs': {'latent_sample': x[:, :, :, :12].contiguous()}, 'outputs': {'sample': img}},
        'vae_encoder': {'inputs': {'sample': pix}, 'outputs': {'latent_sample': z}},
    }
    manifest = {}
    for name, case in cases.items():
        entry = {}
        for kind in ('inputs', 'outputs'):
            entry[kind] = {}
            for k, v in case[kind].items():
                fn = f'{name}.{kind}.{k}.bin'
                arr = v.numpy()
                arr.tofile(os.path.join(vdir, fn))
                entry[kind][k] = {'file': fn, 'dtype': 'int32' if arr.dtype == np.int32 else 'float32', 'dims': list(arr.shape)}
        manifest[name] = entry
    with open(os.path.join(vdir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    res = subprocess.run(['node', os.path.join(HERE, 'verify_onnx.mjs'), out, vdir], check=True, capture_output=True, text=True)
    report = json.loads(res.stdout)
    with open(os.path.join(work, 'verify.json'), 'w') as f:
        json.dump(report, f, indent=2)
    train.log(work, 'verify: ' + ', '.join(f'{k} max|diff| {v["maxAbsDiff"]:.2e}' for k, v in report.items()))
    for k, v in report.items():
        if v['maxAbsDiff'] > 1e-3:
            raise SystemExit(f'verify: {k} differs from PyTorch by {v["maxAbsDiff"]:.3g} (> 1e-3); the export is wrong')
