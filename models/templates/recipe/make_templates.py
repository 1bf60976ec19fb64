"""Graph templates for importing single-file checkpoints: the ONNX graphs of each family, without weights.

    /usr/bin/python3 models/templates/recipe/make_templates.py [--families sd1,sd1-inpaint,sd2,sd2-inpaint,sdxl]
                                                                [--out models/templates]

(sd1 about 2.5 min and 5 GB of memory; sdxl 13.5 min and 10 GB: its 3.5 G weights are stride-0 views of one
number each, see `distinct`, and the tracer's copy of them is skipped, see `parameters_not_cloned`.)

For every family it builds the modules of `ldm.py` (random weights, never saved), exports the four graphs
(text_encoder, unet, vae_encoder, vae_decoder; SDXL adds text_encoder_2) with opset 17 (self-attention as ONNX Runtime's
com.microsoft MultiHeadAttention, see ldm.SelfAttention) and no constant folding, so every weight stays
an initializer named exactly like the checkpoint tensor it comes from, and then removes those initializers.
What is left is the structure only (kilobytes to a few MB). `manifest.json` lists, per graph, each removed
weight (name, shape) in file order, the LoRA targets that may change it (kohya keys; a slice of rows where
one checkpoint tensor holds several projections), and the family facts the folder needs (latent channels,
VAE factor, context width, tokenizer padding, default prediction type). The importer
(src-main/engine/checkpoints) puts the user's weights back and writes a normal diffusers ONNX folder.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ldm  # noqa: E402

OPSET = 17
SD_FAMILIES = ['sd1', 'sd1-inpaint', 'sd2', 'sd2-inpaint', 'sdxl']


# ---------------------------------------------------------------- LoRA names (diffusers module paths, kohya keys)

def diffusers_unet_path(ldm_path, cfg):
    return _diffusers_unet_path(ldm_path, cfg).rstrip('.')


def _diffusers_unet_path(ldm_path, cfg):
    """`input_blocks.4.1.proj_in` -> `down_blocks.1.attentions.0.proj_in` (the names LoRA trainers use)."""
    parts = ldm_path.split('.')
    nrb = cfg['num_res_blocks']
    resnet_names = {'in_layers.0': 'norm1', 'in_layers.2': 'conv1', 'emb_layers.1': 'time_emb_proj',
                    'out_layers.0': 'norm2', 'out_layers.3': 'conv2', 'skip_connection': 'conv_shortcut'}

    def inner(kind, rest):
        rest = '.'.join(rest)
        if kind == 'resnet':
            for old, new in resnet_names.items():
                if rest == old or rest.startswith(old + '.'):
                    return new + rest[len(old):]
        return rest

    head = parts[0]
    if head == 'label_emb':                                      # SDXL's added conditioning (label_emb.0.0 / .0.2)
        return {'0': 'add_embedding.linear_1', '2': 'add_embedding.linear_2'}[parts[2]] + '.' + '.'.join(parts[3:])
    if head == 'time_embed':
        return {'0': 'time_embedding.linear_1', '2': 'time_embedding.linear_2'}[parts[1]] + '.' + '.'.join(parts[2:])
    if head == 'out':
        return {'0': 'conv_norm_out', '2': 'conv_out'}[parts[1]] + '.' + '.'.join(parts[2:])
    if head == 'input_blocks':
        k, layer = int(parts[1]), int(parts[2])
        if k == 0:
            return 'conv_in.' + '.'.join(parts[3:])
        level, j = (k - 1) // (nrb + 1), (k - 1) % (nrb + 1)
        if j == nrb:
            return f'down_blocks.{level}.downsamplers.0.conv.' + '.'.join(parts[4:])  # parts[3] == 'op'
        if layer == 0:
            return f'down_blocks.{level}.resnets.{j}.' + inner('resnet', parts[3:])
        return f'down_blocks.{level}.attentions.{j}.' + inner('attn', parts[3:])
    if head == 'middle_block':
        layer = int(parts[1])
        if layer == 1:
            return 'mid_block.attentions.0.' + inner('attn', parts[2:])
        return f'mid_block.resnets.{layer // 2}.' + inner('resnet', parts[2:])
    if head == 'output_blocks':
        k, layer = int(parts[1]), int(parts[2])
        level, j = k // (nrb + 1), k % (nrb + 1)
        if layer == 0:
            return f'up_blocks.{level}.resnets.{j}.' + inner('resnet', parts[3:])
        if parts[3] == 'conv':                                   # the Upsample (layer 1 or 2)
            return f'up_blocks.{level}.upsamplers.0.conv.' + '.'.join(parts[4:])
        return f'up_blocks.{level}.attentions.{j}.' + inner('attn', parts[3:])
    raise ValueError(f'no diffusers name for {ldm_path}')


def lora_targets(name, shape, family):
    """The kohya keys whose LoRA deltas add to this checkpoint tensor (weights of linear/conv layers only)."""
    if not name.endswith('.weight') and not name.endswith('in_proj_weight'):
        return []
    if len(shape) not in (2, 4):
        return []
    unet_prefix = 'model.diffusion_model.'
    if name.startswith(unet_prefix):
        ldm_path = name[len(unet_prefix):-len('.weight')]
        path = diffusers_unet_path(ldm_path, ldm.unet_config(family))
        keys = [{'key': 'lora_unet_' + path.replace('.', '_')}]
        if 'sdxl' in family:
            # kohya's SDXL trainer names UNet modules by their original (LDM) paths: lora_unet_input_blocks_4_1_...
            keys.append({'key': 'lora_unet_' + ldm_path.replace('.', '_')})
        return keys
    clip_prefixes = {'cond_stage_model.transformer.': 'lora_te_', 'conditioner.embedders.0.transformer.': 'lora_te_'}
    for clip_prefix, kohya in clip_prefixes.items():
        if name.startswith(clip_prefix):
            if 'embeddings' in name:
                return []
            return [{'key': kohya + name[len(clip_prefix):-len('.weight')].replace('.', '_')}]
    open_prefixes = {'cond_stage_model.model.transformer.resblocks.': 'lora_te_',
                     'conditioner.embedders.1.model.transformer.resblocks.': 'lora_te2_'}
    open_prefix = next((p for p in open_prefixes if name.startswith(p)), None)
    if open_prefix:
        rest = name[len(open_prefix):]
        i, sub = rest.split('.', 1)
        base = f'{open_prefixes[open_prefix]}text_model_encoder_layers_{i}_'
        if sub == 'attn.in_proj_weight':
            w = shape[1]
            return [{'key': base + 'self_attn_q_proj', 'rows': [0, w]},
                    {'key': base + 'self_attn_k_proj', 'rows': [w, 2 * w]},
                    {'key': base + 'self_attn_v_proj', 'rows': [2 * w, 3 * w]}]
        names = {'attn.out_proj.weight': 'self_attn_out_proj', 'mlp.c_fc.weight': 'mlp_fc1', 'mlp.c_proj.weight': 'mlp_fc2'}
        return [{'key': base + names[sub]}] if sub in names else []
    return []


# ---------------------------------------------------------------- export

def graphs(ckpt, family):
    """(part, module, example args, input names, output names, dynamic axes) for the four graphs (SDXL: five)."""
    ucfg, vcfg = ldm.unet_config(family), ldm.vae_config(family)
    f = 2 ** (len(vcfg['ch_mult']) - 1)
    ctx = ucfg['context_dim']
    ids = torch.zeros(1, 77, dtype=torch.int32)
    if ckpt.sdxl:
        return graphs_sdxl(ckpt, family, ucfg, vcfg, f, ctx, ids)
    return [
        ('text_encoder', ldm.TextGraph(ckpt), (ids,), ['input_ids'], ['last_hidden_state'],
         {'input_ids': {0: 'batch'}, 'last_hidden_state': {0: 'batch'}}),
        ('unet', ldm.UnetGraph(ckpt),
         (torch.zeros(2, ucfg['in_channels'], 8, 8), torch.ones(1), torch.zeros(2, 77, ctx)),
         ['sample', 'timestep', 'encoder_hidden_states'], ['out_sample'],
         {'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'timestep': {0: 'steps'},
          'encoder_hidden_states': {0: 'batch', 1: 'sequence'}, 'out_sample': {0: 'batch', 2: 'height', 3: 'width'}}),
        *graphs_vae(ckpt, vcfg, f),
    ]


def graphs_sdxl(ckpt, family, ucfg, vcfg, f, ctx, ids):
    """SDXL's five graphs with optimum's names: two encoders with hidden states, the UNet's text_embeds and time_ids."""
    cfg1, cfg2 = ldm.text_configs_sdxl(family)
    hidden = {0: 'batch'}
    out1 = ['last_hidden_state', f'hidden_states.{cfg1["layers"] - 1}', f'hidden_states.{cfg1["layers"]}']
    out2 = ['text_embeds', 'last_hidden_state', f'hidden_states.{cfg2["layers"] - 1}', f'hidden_states.{cfg2["layers"]}']
    vae = graphs_vae(ckpt, vcfg, f)
    return [
        ('text_encoder', ldm.TextGraphSdxl(ckpt, 0), (ids,), ['input_ids'], out1, {n: hidden for n in ['input_ids', *out1]}),
        ('text_encoder_2', ldm.TextGraphSdxl(ckpt, 1), (ids,), ['input_ids'], out2, {n: hidden for n in ['input_ids', *out2]}),
        ('unet', ldm.UnetGraphSdxl(ckpt),
         (torch.zeros(2, ucfg['in_channels'], 8, 8), torch.ones(1), torch.zeros(2, 77, ctx), torch.zeros(2, cfg2['projection']),
          torch.full((2, 6), 64.0)),
         ['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids'], ['out_sample'],
         {'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'timestep': {0: 'steps'}, 'encoder_hidden_states': {0: 'batch', 1: 'sequence'},
          'text_embeds': {0: 'batch'}, 'time_ids': {0: 'batch'}, 'out_sample': {0: 'batch', 2: 'height', 3: 'width'}}),
        *vae,
    ]


def graphs_vae(ckpt, vcfg, f):
    return [
        ('vae_encoder', ldm.VaeEncoderGraph(ckpt), (torch.zeros(1, 3, 8 * f, 8 * f),), ['sample'], ['latent_sample'],
         {'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'latent_sample': {0: 'batch', 2: 'height', 3: 'width'}}),
        ('vae_decoder', ldm.VaeDecoderGraph(ckpt), (torch.zeros(1, vcfg['embed_dim'], 8, 8),), ['latent_sample'], ['sample'],
         {'latent_sample': {0: 'batch', 2: 'height', 3: 'width'}, 'sample': {0: 'batch', 2: 'height', 3: 'width'}}),
    ]


def fixed_output_dims(module, args, outputs, axes):
    """The traced outputs' sizes on every axis that is not dynamic: SDXL's folder check reads the encoders'
    widths from hidden_states.N (the tracer leaves them symbolic)."""
    got = module(*args)
    got = got if isinstance(got, tuple) else (got,)
    return {name: [None if i in axes.get(name, {}) else size for i, size in enumerate(t.shape)] for name, t in zip(outputs, got)}


def export_graph(module, args, inputs, outputs, axes, path):
    # export_params=False: the weights become graph inputs named like the parameters, so even SD-sized
    # graphs export in seconds without writing gigabytes (and without the 2 GB protobuf limit)
    # self-attention exports as ONNX Runtime's com.microsoft MultiHeadAttention (ldm.SelfAttention)
    fused = any(isinstance(m, (ldm.CrossAttention, ldm.AttnBlock)) for m in module.modules())
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, custom_opsets={'com.microsoft': 1} if fused else None,
                      do_constant_folding=False, export_params=False)


def strip(onnx_path, out_path, state, out_shapes=None):
    """Remove the checkpoint's weights from the graph; return them as the manifest's tensor list.
    out_shapes: {output: [dim, ...]} declared on the outputs (None keeps the exporter's symbolic dim)."""
    import onnx
    model = onnx.load(onnx_path)
    for out in model.graph.output:
        for d, size in zip(out.type.tensor_type.shape.dim, (out_shapes or {}).get(out.name, [])):
            if size is not None:
                d.Clear()
                d.dim_value = size
    keep, tensors = [], []
    for init in model.graph.initializer:
        if init.name in state:
            shape = list(state[init.name].shape)
            assert list(init.dims) == shape, f'{init.name}: graph {list(init.dims)} vs module {shape}'
            tensors.append({'name': init.name, 'shape': shape})
        else:
            size = onnx.numpy_helper.to_array(init).nbytes
            assert size <= 64 * 1024, f'{init.name} is a {size}-byte constant the tracer made: not a checkpoint weight'
            keep.append(init)
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)
    for inp in model.graph.input:
        if inp.name in state:
            dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
            shape = list(state[inp.name].shape)
            assert dims == shape, f'{inp.name}: graph {dims} vs module {shape}'
            tensors.append({'name': inp.name, 'shape': shape})
    names = {t['name'] for t in tensors}
    # weights exported as inputs (export_params=False) are initializers once the importer fills them
    real_inputs = [i for i in model.graph.input if i.name not in names]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    model.producer_name = 'reverie-templates'
    onnx.save(model, out_path)
    return tensors


def shape_facts(family):
    """What every family's manifest begins with: the latents and the UNet's input and context widths."""
    ucfg, vcfg = ldm.unet_config(family), ldm.vae_config(family)
    return {
        'family': family.replace('tiny-', ''),
        'latentChannels': vcfg['embed_dim'],
        'vaeFactor': 2 ** (len(vcfg['ch_mult']) - 1),
        'unetInChannels': ucfg['in_channels'],
        'contextDim': ucfg['context_dim'],
    }


def family_facts(family):
    if 'sdxl' in family:
        return family_facts_sdxl(family)
    tcfg = ldm.text_config(family)
    sd2 = 'sd2' in family
    return {
        **shape_facts(family),
        'textWidth': tcfg['width'],
        'vocab': tcfg['vocab'],
        'tokenizerPad': '!' if sd2 else '<|endoftext|>',
        'scalingFactor': 0.18215,
        'predictionType': 'epsilon',
        'predictionChoices': ['epsilon', 'v_prediction'] if sd2 else ['epsilon'],
        'defaultSize': 768 if sd2 and not family.endswith('-inpaint') else 512,
        'pipeline': 'OnnxStableDiffusionInpaintPipeline' if family.endswith('-inpaint') else 'OnnxStableDiffusionPipeline',
    }


def family_facts_sdxl(family):
    cfg1, cfg2 = ldm.text_configs_sdxl(family)
    return {
        **shape_facts(family),
        'textWidth': cfg1['width'],
        'text2Width': cfg2['width'],
        'vocab': cfg1['vocab'],
        'tokenizerPad': '<|endoftext|>',
        'tokenizer2Pad': '!',                                     # OpenCLIP pads with "!" (stabilityai's tokenizer_2)
        'scalingFactor': 0.13025,
        'predictionType': 'epsilon',
        'predictionChoices': ['epsilon', 'v_prediction'],
        'defaultSize': 1024,
        'forceZerosForEmptyPrompt': True,
        'pipeline': 'StableDiffusionXLPipeline',
    }


@contextlib.contextmanager
def uninitialised():
    """Modules built inside keep torch.empty's memory untouched: the kernel commits a page only when it is
    written, and reads of unwritten pages see shared zeros. SDXL's 3.5 G parameters then cost almost no
    memory (filled with random values they take 14 GB, and the exporter's passes took the machine's 24 GB)."""
    names = ['uniform_', 'normal_', 'kaiming_uniform_', 'kaiming_normal_', 'xavier_uniform_', 'trunc_normal_', 'ones_', 'zeros_', 'constant_']
    saved = {n: getattr(torch.nn.init, n) for n in names}
    for n in names:
        setattr(torch.nn.init, n, lambda tensor, *args, **kwargs: tensor)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


@contextlib.contextmanager
def parameters_not_cloned():
    """torch 1.13's tracer (jit/_trace.py, ONNXTracedModule.forward) clones every input and parameter for a
    return value the ONNX exporter never reads: 10 GB for SDXL's UNet. While this is active a Parameter's
    clone is the Parameter itself (nothing in ldm.py clones one)."""
    original = torch.Tensor.clone

    def clone(self, *args, **kwargs):
        return self if isinstance(self, torch.nn.Parameter) else original(self, *args, **kwargs)

    torch.Tensor.clone = clone
    try:
        yield
    finally:
        torch.Tensor.clone = original


def distinct(ckpt, lazy):
    """Distinct values in every weight: the exporter merges initializers with equal contents (fresh LayerNorms
    are all ones), which would tie two checkpoint tensors to one name. Lazy: each weight is one number
    broadcast to its shape (a stride-0 view of one element, i + 1 for the i-th), so the modules hold no
    memory at all; the traced graph is the same, since export_params=False keeps values out of it."""
    with torch.no_grad():
        for i, p in enumerate(ckpt.parameters()):
            if lazy:
                p.data = torch.full((1,), 1.0 + i).expand(p.shape)
            else:
                p.uniform_(-0.5, 0.5)


def make_template(family, out_dir, vocab=None, ckpt=None, lazy=False):
    """Export the four graphs of `family` into out_dir/<family>/; returns the module used (random weights;
    lazy: almost no memory, for SDXL-sized families, the graphs are the same)."""
    torch.manual_seed(0)
    if ckpt is None:
        with uninitialised() if lazy else contextlib.nullcontext():
            ckpt = ldm.Checkpoint(family, vocab=vocab)
    ckpt.eval()
    distinct(ckpt, lazy)
    state = ckpt.state_dict()
    folder = os.path.join(out_dir, family)
    os.makedirs(folder, exist_ok=True)
    manifest = {'format': 'reverie-template/1', **family_facts(family), 'graphs': {}}
    if vocab is not None:
        manifest['vocab'] = vocab
    with torch.no_grad(), tempfile.TemporaryDirectory() as tmp:
        for part, module, args, inputs, outputs, axes in graphs(ckpt, family):
            raw = os.path.join(tmp, part + '.onnx')
            with parameters_not_cloned() if lazy else contextlib.nullcontext():
                export_graph(module, args, inputs, outputs, axes, raw)
            tensors = strip(raw, os.path.join(folder, part + '.onnx'), state, fixed_output_dims(module, args, outputs, axes) if ckpt.sdxl else None)
            for t in tensors:
                targets = lora_targets(t['name'], t['shape'], family)
                if targets:
                    t['lora'] = targets
            manifest['graphs'][part] = {'file': part + '.onnx', 'tensors': tensors}
    used = {t['name'] for g in manifest['graphs'].values() for t in g['tensors']}
    unused = sorted(set(state) - used)
    # SD 2.x never runs OpenCLIP's last block (penultimate layer); nothing else may go missing
    assert all('.resblocks.' in n for n in unused), f'weights missing from the graphs: {unused[:5]}'
    manifest['unusedTensors'] = len(unused)
    with open(os.path.join(folder, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    return ckpt


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--families', default=','.join(SD_FAMILIES))
    parser.add_argument('--out', default=os.path.normpath(os.path.join(HERE, '..')))
    args = parser.parse_args()
    families = args.families.split(',')
    for family in families:
        print(f'template {family} ...', flush=True)
        make_template(family, args.out, lazy='sdxl' in family)
    # marks the folder as the template store (the model list skips it) and lists what it holds
    index = {'format': 'reverie-templates/1', 'families': sorted(set(families) | set(_existing(args.out))),
             'made_by': 'models/templates/recipe/make_templates.py'}
    with open(os.path.join(args.out, 'templates.json'), 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')


def _existing(out):
    return [d for d in os.listdir(out) if os.path.isfile(os.path.join(out, d, 'manifest.json'))] if os.path.isdir(out) else []


if __name__ == '__main__':
    main()
