"""Module definitions in the exact shape of the original Stable Diffusion (LDM) checkpoints.

Every parameter's dotted path equals its tensor name in a single-file checkpoint as A1111, ComfyUI and
InvokeAI load it (`model.diffusion_model.*`, `first_stage_model.*`, `cond_stage_model.*`), so an ONNX
export without constant folding names its initializers exactly like the checkpoint's tensors. Written
from the published architecture (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
Diffusion Models"; CLIP, Radford et al. 2021; OpenCLIP) and the tensor names of released checkpoints;
CompVis/stablediffusion's `ldm/modules` is the reference to read, not copied here.

Configs: `sd1` (SD 1.x, CLIP ViT-L/14 text, 768 context), `sd2` (SD 2.x, OpenCLIP ViT-H/14 penultimate
layer, 1024 context, linear transformer projections, 64-channel heads), `*-inpaint` (9 input channels),
`sdxl` (SDXL base, Podell et al. 2023: three UNet levels with 0/2/10 transformer blocks, 2048 context from
CLIP ViT-L's and OpenCLIP ViT-bigG's penultimate layers side by side, the pooled bigG projection and six
size numbers added to the time embedding through `label_emb`; the `conditioner.embedders.N` names of
Stability's generative-models checkpoints) and `tiny-*` (the same code at toy widths, for tests).
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


# ---------------------------------------------------------------- configurations

def unet_config(family):
    base = dict(in_channels=4, out_channels=4, model_channels=320, channel_mult=(1, 2, 4, 4), num_res_blocks=2,
                attention_levels=(0, 1, 2), transformer_depth=1, context_dim=768, num_heads=8, head_channels=None,
                linear_proj=False, groups=32, depth_middle=None, adm_in_channels=None, time_id_dim=None)
    if 'sdxl' in family:
        # SDXL base (generative-models' sd_xl_base.yaml): no attention at the top level, 2 then 10 blocks
        base.update(channel_mult=(1, 2, 4), attention_levels=(1, 2), transformer_depth=(0, 2, 10), context_dim=2048,
                    num_heads=None, head_channels=64, linear_proj=True, time_id_dim=256, adm_in_channels=1280 + 6 * 256)
        if family.startswith('tiny-'):
            base.update(model_channels=16, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(1,), transformer_depth=(0, 2),
                        context_dim=64, head_channels=8, groups=8, time_id_dim=8, adm_in_channels=32 + 6 * 8)
        return base
    if family.startswith('sd2'):
        base.update(context_dim=1024, num_heads=None, head_channels=64, linear_proj=True)
    if family.startswith('tiny-'):
        base.update(model_channels=16, channel_mult=(1, 2), num_res_blocks=1, attention_levels=(0, 1),
                    context_dim=32, num_heads=2 if family.startswith('tiny-sd1') else None,
                    head_channels=8 if family.startswith('tiny-sd2') else None, groups=8)
    if family.endswith('-inpaint'):
        base['in_channels'] = 9
    return base


def vae_config(family):
    if family.startswith('tiny-'):
        return dict(ch=16, ch_mult=(1, 2), num_res_blocks=1, z_channels=4, embed_dim=4, groups=8)
    return dict(ch=128, ch_mult=(1, 2, 4, 4), num_res_blocks=2, z_channels=4, embed_dim=4, groups=32)


def text_config(family):
    """The text encoder of SD 1.x/2.x; SDXL has two (text_configs_sdxl)."""
    if family.startswith('tiny-sd2'):
        return dict(kind='openclip', vocab=None, width=32, layers=3, heads=2, positions=77, skip_last=1)
    if family.startswith('tiny-'):
        return dict(kind='clip', vocab=None, width=32, layers=2, heads=2, positions=77, mlp=64)
    if family.startswith('sd2'):
        return dict(kind='openclip', vocab=49408, width=1024, layers=24, heads=16, positions=77, skip_last=1)
    return dict(kind='clip', vocab=49408, width=768, layers=12, heads=12, positions=77, mlp=3072)


def text_configs_sdxl(family):
    """SDXL's two encoders: CLIP ViT-L/14 (embedders.0) and OpenCLIP ViT-bigG/14 with its text projection (embedders.1)."""
    if family.startswith('tiny-'):
        return (dict(kind='clip', vocab=None, width=32, layers=2, heads=2, positions=77, mlp=64),
                dict(kind='openclip', vocab=None, width=32, layers=3, heads=2, positions=77, skip_last=0, projection=32))
    return (dict(kind='clip', vocab=49408, width=768, layers=12, heads=12, positions=77, mlp=3072),
            dict(kind='openclip', vocab=49408, width=1280, layers=32, heads=20, positions=77, skip_last=0, projection=1280))


# ---------------------------------------------------------------- UNet (model.diffusion_model)

def timestep_embedding(t, dim):
    """Sinusoidal embedding, cosines first then sines (the LDM order), max period 10000."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, ch, out, emb_dim, groups):
        super().__init__()
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(ch, out, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, out))
        self.out_layers = nn.Sequential(nn.GroupNorm(groups, out), nn.SiLU(), nn.Dropout(0.0),
                                        nn.Conv2d(out, out, 3, padding=1))
        self.skip_connection = nn.Identity() if out == ch else nn.Conv2d(ch, out, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, dim, context_dim, heads, head_dim):
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        q = self.to_q(x)
        if context is None:                                      # self-attention: one fused op (SelfAttention)
            return self.to_out(SelfAttention.apply(q, self.to_k(x), self.to_v(x), self.heads))
        return self.to_out(attention(q, self.to_k(context), self.to_v(context), self.heads))


def attention(q, k, v, heads):
    """Scaled dot-product attention over [b, n, heads·d] projections (b, m for keys and values)."""
    b, n, inner = q.shape
    d = inner // heads

    def split(t):
        return t.reshape(b, -1, heads, d).permute(0, 2, 1, 3)

    q, k, v = split(q), split(k), split(v)
    weights = torch.softmax(q @ k.transpose(-1, -2) * (d ** -0.5), dim=-1)
    return (weights @ v).permute(0, 2, 1, 3).reshape(b, n, inner)


class SelfAttention(torch.autograd.Function):
    """`attention` in eager PyTorch; in ONNX one com.microsoft MultiHeadAttention node (ONNX Runtime's contrib
    op: q, k, v as [b, n, heads·d], scale 1/sqrt(d)), which ONNX Runtime's CPU provider computes block by
    block (flash attention) without the [b, heads, n, n] scores: at 512² an SD 1.5 UNet's first self-attention
    would otherwise hold 2 × 8 × 4096² floats (1 GiB) at once; its CUDA, DirectML and WebGPU providers have the
    op too. Only self-attention is fused: cross-attention stays MatMul → Softmax → MatMul, so the Attention view
    (src-main/engine/models/attention-graph.ts) can still read its probabilities, and its scores are small
    ([b, heads, n, 77])."""

    @staticmethod
    def forward(ctx, q, k, v, heads):
        return attention(q, k, v, heads)

    @staticmethod
    def symbolic(g, q, k, v, heads):
        out = g.op('com.microsoft::MultiHeadAttention', q, k, v, num_heads_i=heads)
        out.setType(q.type())
        return out


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        x, gate = self.proj(x).chunk(2, dim=-1)
        return x * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * 4), nn.Dropout(0.0), nn.Linear(dim * 4, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, context_dim, heads, head_dim):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads, head_dim)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads, head_dim)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x, context):
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class SpatialTransformer(nn.Module):
    def __init__(self, ch, cfg, depth):
        super().__init__()
        heads = cfg['num_heads'] or ch // cfg['head_channels']
        head_dim = ch // heads
        self.linear = cfg['linear_proj']
        self.norm = nn.GroupNorm(cfg['groups'], ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, ch) if self.linear else nn.Conv2d(ch, ch, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(ch, cfg['context_dim'], heads, head_dim) for _ in range(depth)])
        self.proj_out = nn.Linear(ch, ch) if self.linear else nn.Conv2d(ch, ch, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        y = self.norm(x)
        if not self.linear:
            y = self.proj_in(y)
        y = y.permute(0, 2, 3, 1).reshape(b, h * w, c)
        if self.linear:
            y = self.proj_in(y)
        for block in self.transformer_blocks:
            y = block(y, context)
        if self.linear:
            y = self.proj_out(y)
        y = y.reshape(b, h, w, c).permute(0, 3, 1, 2)
        if not self.linear:
            y = self.proj_out(y)
        return x + y


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Step(nn.ModuleList):
    """One entry of input_blocks/output_blocks: layers applied in order (LDM's TimestepEmbedSequential)."""

    def forward(self, x, emb, context):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class UNetModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        mc, groups = cfg['model_channels'], cfg['groups']
        emb_dim = mc * 4
        self.model_channels = mc
        self.time_id_dim = cfg['time_id_dim']
        self.time_embed = nn.Sequential(nn.Linear(mc, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        if cfg['adm_in_channels']:
            # SDXL: pooled text projection + embedded size numbers -> added to the time embedding
            self.label_emb = nn.Sequential(nn.Sequential(nn.Linear(cfg['adm_in_channels'], emb_dim), nn.SiLU(),
                                                         nn.Linear(emb_dim, emb_dim)))
        depth = cfg['transformer_depth']

        def depth_at(level):
            return depth[level] if isinstance(depth, tuple) else depth
        self.input_blocks = nn.ModuleList([Step([nn.Conv2d(cfg['in_channels'], mc, 3, padding=1)])])
        skips, ch = [mc], mc
        levels = len(cfg['channel_mult'])
        for level, mult in enumerate(cfg['channel_mult']):
            for _ in range(cfg['num_res_blocks']):
                layers = [ResBlock(ch, mult * mc, emb_dim, groups)]
                ch = mult * mc
                if level in cfg['attention_levels']:
                    layers.append(SpatialTransformer(ch, cfg, depth_at(level)))
                self.input_blocks.append(Step(layers))
                skips.append(ch)
            if level != levels - 1:
                self.input_blocks.append(Step([Downsample(ch)]))
                skips.append(ch)
        middle = cfg['depth_middle'] or depth_at(levels - 1)
        self.middle_block = Step([ResBlock(ch, ch, emb_dim, groups), SpatialTransformer(ch, cfg, middle),
                                  ResBlock(ch, ch, emb_dim, groups)])
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(cfg['channel_mult']))):
            for i in range(cfg['num_res_blocks'] + 1):
                layers = [ResBlock(ch + skips.pop(), mult * mc, emb_dim, groups)]
                ch = mult * mc
                if level in cfg['attention_levels']:
                    layers.append(SpatialTransformer(ch, cfg, depth_at(level)))
                if level != 0 and i == cfg['num_res_blocks']:
                    layers.append(Upsample(ch))
                self.output_blocks.append(Step(layers))
        self.out = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(mc, cfg['out_channels'], 3, padding=1))

    def forward(self, x, timesteps, context, y=None):
        emb = self.time_embed(timestep_embedding(timesteps, self.model_channels))
        if y is not None:
            emb = emb + self.label_emb(y)
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb, context)
        return self.out(h)


# ---------------------------------------------------------------- VAE (first_stage_model)

class ResnetBlock(nn.Module):
    def __init__(self, ch, out, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, ch, eps=1e-6)
        self.conv1 = nn.Conv2d(ch, out, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, out, eps=1e-6)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1)
        if ch != out:
            self.nin_shortcut = nn.Conv2d(ch, out, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return (self.nin_shortcut(x) if hasattr(self, 'nin_shortcut') else x) + h


class AttnBlock(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.q, self.k, self.v = nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x)
        q, k, v = (t(y).reshape(b, c, h * w).permute(0, 2, 1) for t in (self.q, self.k, self.v))   # [b, hw, c]
        out = SelfAttention.apply(q, k, v, 1).permute(0, 2, 1).reshape(b, c, h, w)       # one head of c channels
        return x + self.proj_out(out)


class VaeDownsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Level(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.ModuleList()


class Mid(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.block_1 = ResnetBlock(ch, ch, groups)
        self.attn_1 = AttnBlock(ch, groups)
        self.block_2 = ResnetBlock(ch, ch, groups)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, mult, groups = cfg['ch'], cfg['ch_mult'], cfg['groups']
        self.conv_in = nn.Conv2d(3, ch, 3, padding=1)
        self.down = nn.ModuleList()
        block_in = ch
        for i, m in enumerate(mult):
            level = Level()
            for _ in range(cfg['num_res_blocks']):
                level.block.append(ResnetBlock(block_in, ch * m, groups))
                block_in = ch * m
            if i != len(mult) - 1:
                level.downsample = VaeDownsample(block_in)
            self.down.append(level)
        self.mid = Mid(block_in, groups)
        self.norm_out = nn.GroupNorm(groups, block_in, eps=1e-6)
        self.conv_out = nn.Conv2d(block_in, 2 * cfg['z_channels'], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            for block in level.block:
                h = block(h)
            if hasattr(level, 'downsample'):
                h = level.downsample(h)
        h = self.mid(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, mult, groups = cfg['ch'], cfg['ch_mult'], cfg['groups']
        block_in = ch * mult[-1]
        self.conv_in = nn.Conv2d(cfg['z_channels'], block_in, 3, padding=1)
        self.mid = Mid(block_in, groups)
        levels = [None] * len(mult)
        for i in reversed(range(len(mult))):
            level = Level()
            for _ in range(cfg['num_res_blocks'] + 1):
                level.block.append(ResnetBlock(block_in, ch * mult[i], groups))
                block_in = ch * mult[i]
            if i != 0:
                level.upsample = Upsample(block_in)
            levels[i] = level
        self.up = nn.ModuleList(levels)
        self.norm_out = nn.GroupNorm(groups, block_in, eps=1e-6)
        self.conv_out = nn.Conv2d(block_in, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in reversed(self.up):
            for block in level.block:
                h = block(h)
            if hasattr(level, 'upsample'):
                h = level.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.z = cfg['embed_dim']
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * cfg['z_channels'], 2 * cfg['embed_dim'], 1)
        self.post_quant_conv = nn.Conv2d(cfg['embed_dim'], cfg['z_channels'], 1)

    def encode_mean(self, x):
        return self.quant_conv(self.encoder(x))[:, :self.z]

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


# ---------------------------------------------------------------- text encoders (cond_stage_model)

def causal_mask(n):
    return torch.full((n, n), float('-inf')).triu(1)


class ClipAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj = nn.Linear(width, width), nn.Linear(width, width)
        self.v_proj, self.out_proj = nn.Linear(width, width), nn.Linear(width, width)

    def forward(self, x, mask):
        b, n, w = x.shape
        d = w // self.heads

        def split(t):
            return t.reshape(b, n, self.heads, d).permute(0, 2, 1, 3)

        q, k, v = split(self.q_proj(x) * d ** -0.5), split(self.k_proj(x)), split(self.v_proj(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        return self.out_proj((weights @ v).permute(0, 2, 1, 3).reshape(b, n, w))


class ClipMlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(width, hidden), nn.Linear(hidden, width)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))                   # quick GELU (CLIP)


class ClipLayer(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.self_attn = ClipAttention(width, heads)
        self.layer_norm1 = nn.LayerNorm(width)
        self.mlp = ClipMlp(width, hidden)
        self.layer_norm2 = nn.LayerNorm(width)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class ClipEmbeddings(nn.Module):
    def __init__(self, vocab, width, positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.position_embedding = nn.Embedding(positions, width)


class ClipEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList([ClipLayer(cfg['width'], cfg['heads'], cfg['mlp']) for _ in range(cfg['layers'])])


class ClipTextModel(nn.Module):
    """`cond_stage_model.transformer.text_model`: SD 1.x takes the last layer after final_layer_norm."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = ClipEmbeddings(cfg['vocab'], cfg['width'], cfg['positions'])
        self.encoder = ClipEncoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg['width'])

    def forward(self, ids):
        return self.final_layer_norm(self.hidden_states(ids)[-1])

    def hidden_states(self, ids):
        """The embeddings and every layer's output (transformers' hidden_states: [0] embeddings, [-1] last layer)."""
        n = ids.shape[1]
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding.weight[:n]
        mask = causal_mask(n)
        states = [x]
        for layer in self.encoder.layers:
            x = layer(x, mask)
            states.append(x)
        return states


class OpenClipBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.Module()
        self.attn.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.attn.in_proj_bias = nn.Parameter(torch.empty(3 * width))
        self.attn.out_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(width, 4 * width)
        self.mlp.c_proj = nn.Linear(4 * width, width)
        self.heads = heads

    def forward(self, x, mask):
        b, n, w = x.shape
        d = w // self.heads
        qkv = F.linear(self.ln_1(x), self.attn.in_proj_weight, self.attn.in_proj_bias)
        q, k, v = [t.reshape(b, n, self.heads, d).permute(0, 2, 1, 3) for t in qkv.chunk(3, dim=-1)]
        weights = torch.softmax(q @ k.transpose(-1, -2) * d ** -0.5 + mask, dim=-1)
        x = x + self.attn.out_proj((weights @ v).permute(0, 2, 1, 3).reshape(b, n, w))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class OpenClipText(nn.Module):
    """`cond_stage_model.model`: SD 2.x runs all but the last `skip_last` blocks, then ln_final."""

    def __init__(self, cfg):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg['vocab'], cfg['width'])
        self.positional_embedding = nn.Parameter(torch.empty(cfg['positions'], cfg['width']))
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.ModuleList([OpenClipBlock(cfg['width'], cfg['heads']) for _ in range(cfg['layers'])])
        self.ln_final = nn.LayerNorm(cfg['width'])
        if cfg.get('projection'):
            self.text_projection = nn.Parameter(torch.empty(cfg['width'], cfg['projection']))   # used as x @ P
        self.used = cfg['layers'] - cfg['skip_last']

    def forward(self, ids):
        return self.ln_final(self.hidden_states(ids)[-1])

    def hidden_states(self, ids):
        """The embeddings and the output of each block that runs ([-1]: the last one run)."""
        n = ids.shape[1]
        x = self.token_embedding(ids) + self.positional_embedding[:n]
        mask = causal_mask(n)
        states = [x]
        for block in self.transformer.resblocks[:self.used]:
            x = block(x, mask)
            states.append(x)
        return states

    def pooled(self, ids, last):
        """SDXL's vector: ln_final of the last layer at the end-of-text token (the highest id) times the projection."""
        x = self.ln_final(last)
        eot = ids.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection


# ---------------------------------------------------------------- the checkpoint's top level

class Holder(nn.Module):
    """An empty module whose attribute names reproduce a checkpoint prefix."""


def text_model(cfg):
    holder = Holder()
    if cfg['kind'] == 'clip':
        holder.transformer = Holder()
        holder.transformer.text_model = ClipTextModel(cfg)
        holder.forward_fn = lambda ids: holder.transformer.text_model(ids)
    else:
        holder.model = OpenClipText(cfg)
        holder.forward_fn = lambda ids: holder.model(ids)
    return holder


class Checkpoint(nn.Module):
    """The whole single-file checkpoint: state_dict() names are the file's tensor names."""

    def __init__(self, family, vocab=None):
        super().__init__()
        self.sdxl = 'sdxl' in family
        self.model = Holder()
        self.model.diffusion_model = UNetModel(unet_config(family))
        self.first_stage_model = AutoencoderKL(vae_config(family))
        if self.sdxl:
            cfgs = text_configs_sdxl(family)
            for c in cfgs:
                if vocab is not None:
                    c['vocab'] = vocab
            self.text_cfgs = cfgs
            self.conditioner = Holder()
            self.conditioner.embedders = nn.ModuleList([text_model(c) for c in cfgs])
            return
        tcfg = text_config(family)
        if vocab is not None:
            tcfg['vocab'] = vocab
        self.text_cfg = tcfg
        self.cond_stage_model = text_model(tcfg)

    def encode_text(self, ids):
        return self.cond_stage_model.forward_fn(ids)

    def encode_sdxl(self, ids1, ids2):
        """(context [B, n, w1 + w2]: both penultimate layers side by side, pooled [B, projection]) as SDXL conditions."""
        h1 = sdxl_encoder(self.conditioner, 0).hidden_states(ids1)
        h2 = sdxl_encoder(self.conditioner, 1).hidden_states(ids2)
        return torch.cat([h1[-2], h2[-2]], dim=-1), sdxl_encoder(self.conditioner, 1).pooled(ids2, h2[-1])


def sdxl_encoder(conditioner, index):
    """embedders.0: the CLIP text model; embedders.1: the OpenCLIP one (both with hidden_states())."""
    e = conditioner.embedders[index]
    return e.transformer.text_model if index == 0 else e.model


def size_vector(time_ids, dim):
    """The six size numbers, each as a sinusoidal embedding (generative-models' ConcatTimestepEmbedderND)."""
    return timestep_embedding(time_ids.reshape(-1), dim).reshape(time_ids.shape[0], -1)


# ---------------------------------------------------------------- the three ONNX graphs

class UnetGraph(nn.Module):
    def __init__(self, ckpt):
        super().__init__()
        self.model = ckpt.model

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.float().expand(sample.shape[0])          # [1] or [batch] -> [batch]
        return self.model.diffusion_model(sample, t, encoder_hidden_states)


class UnetGraphSdxl(nn.Module):
    """optimum's SDXL UNet signature: text_embeds [B, 1280] and time_ids [B, 6] beside the usual three."""

    def __init__(self, ckpt):
        super().__init__()
        self.model = ckpt.model

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids):
        unet = self.model.diffusion_model
        t = timestep.float().expand(sample.shape[0])
        y = torch.cat([text_embeds, size_vector(time_ids, unet.time_id_dim)], dim=-1)
        return unet(sample, t, encoder_hidden_states, y)


class TextGraphSdxl(nn.Module):
    """One SDXL encoder as optimum exports it: last_hidden_state, the last two hidden_states.N (N = layers),
    and for the second encoder the pooled projection as text_embeds."""

    def __init__(self, ckpt, index):
        super().__init__()
        self.conditioner = ckpt.conditioner
        self.index = index

    def forward(self, input_ids):
        ids = input_ids.long()
        enc = sdxl_encoder(self.conditioner, self.index)
        states = enc.hidden_states(ids)
        outs = (enc.ln_final(states[-1]) if self.index == 1 else enc.final_layer_norm(states[-1]), states[-2], states[-1])
        return (enc.pooled(ids, states[-1]),) + outs if self.index == 1 else outs


class TextGraph(nn.Module):
    def __init__(self, ckpt):
        super().__init__()
        self.cond_stage_model = ckpt.cond_stage_model

    def forward(self, input_ids):
        return self.cond_stage_model.forward_fn(input_ids.long())


class VaeEncoderGraph(nn.Module):
    def __init__(self, ckpt):
        super().__init__()
        self.first_stage_model = ckpt.first_stage_model

    def forward(self, sample):
        return self.first_stage_model.encode_mean(sample)


class VaeDecoderGraph(nn.Module):
    def __init__(self, ckpt):
        super().__init__()
        self.first_stage_model = ckpt.first_stage_model

    def forward(self, latent_sample):
        return self.first_stage_model.decode(latent_sample)
