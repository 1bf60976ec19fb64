"""reverie-mini networks: Stable Diffusion's shape at a laptop-CPU scale.

* AutoencoderKL-style VAE, f/8, 4 latent channels (encoder -> mean/logvar, decoder -> RGB in [-1, 1]).
* CLIP-style text transformer (causal self-attention, pre-LayerNorm, learned positions; last_hidden_state).
* Cross-attention UNet predicting epsilon for SD's 1000-step scaled-linear schedule, with ResBlocks,
  time embedding, and transformer blocks (self-attention at the lowest resolution, cross-attention to the
  text states at 16x16 and 8x8 latents).  Following diffusers' UNet2DConditionModel / LDM's openaimodel in
  structure only, much smaller.

Implementation note: every linear layer is a 1x1 convolution over [B, C, N] tensors. Debian's CPU torch
ships a generic BLAS (about 5 GFLOP/s for matmul here) but oneDNN convolutions (~80 GFLOP/s), so this
layout trains ~10x faster on the CPU; it exports to the same ONNX Conv/MatMul graph either way.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def lin(cin, cout, bias=True):
    return nn.Conv1d(cin, cout, 1, bias=bias)


class ChanNorm(nn.Module):
    """LayerNorm over the channel axis of a [B, C, N] tensor."""

    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, c, 1))
        self.bias = nn.Parameter(torch.zeros(1, c, 1))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.weight + self.bias


def gn(c):
    return nn.GroupNorm(8 if c % 8 == 0 else 4, c, eps=1e-5)


class Attention(nn.Module):
    """Multi-head attention on [B, C, N] queries and [B, Cc, L] context."""

    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.heads = heads
        self.q = lin(dim, dim, bias=False)
        self.k = lin(ctx_dim, dim, bias=False)
        self.v = lin(ctx_dim, dim, bias=False)
        self.out = lin(dim, dim)

    def forward(self, x, ctx, mask=None):
        b, c, n = x.shape
        h = self.heads
        d = c // h
        q = self.q(x).reshape(b * h, d, n).transpose(1, 2) * (d ** -0.5)  # [bh, n, d]
        k = self.k(ctx).reshape(b * h, d, -1)  # [bh, d, L]
        v = self.v(ctx).reshape(b * h, d, -1)
        w = torch.bmm(q, k)  # [bh, n, L]
        if mask is not None:
            w = w + mask
        w = w.softmax(-1)
        o = torch.bmm(v, w.transpose(1, 2))  # [bh, d, n]
        return self.out(o.reshape(b, c, n))


class FeedForward(nn.Module):
    def __init__(self, dim, mult=2):
        super().__init__()
        self.a = lin(dim, dim * mult)
        self.b = lin(dim * mult, dim)

    def forward(self, x):
        return self.b(F.gelu(self.a(x)))


# ---------------------------------------------------------------- text encoder
class TextBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.n1 = ChanNorm(dim)
        self.attn = Attention(dim, dim, heads)
        self.n2 = ChanNorm(dim)
        self.ff = FeedForward(dim, 4)

    def forward(self, x, mask):
        y = self.n1(x)
        x = x + self.attn(y, y, mask)
        return x + self.ff(self.n2(x))


class TextEncoder(nn.Module):
    """CLIP-like causal transformer: input_ids [B, L] -> last_hidden_state [B, L, H]."""

    def __init__(self, vocab_size, max_length, width, layers, heads):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, width)
        self.pos = nn.Parameter(torch.randn(1, width, max_length) * 0.01)
        nn.init.normal_(self.tok.weight, std=0.02)
        self.blocks = nn.ModuleList(TextBlock(width, heads) for _ in range(layers))
        self.norm = ChanNorm(width)
        mask = torch.full((max_length, max_length), -1e4).triu(1)  # CLIP's causal mask
        self.register_buffer('mask', mask[None], persistent=False)
        self.max_length = max_length

    def forward(self, input_ids):
        x = self.tok(input_ids.long()).transpose(1, 2) + self.pos  # [B, H, L]
        for blk in self.blocks:
            x = blk(x, self.mask)
        return self.norm(x).transpose(1, 2)


# ---------------------------------------------------------------- UNet
def timestep_embedding(t, dim):
    """Sinusoidal embedding of (possibly fractional) timesteps, as in LDM / diffusers (flip_sin_to_cos=True)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.n1 = gn(cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, cout)
        self.n2 = gn(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.c2.weight)
        nn.init.zeros_(self.c2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(emb)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class SpatialTransformer(nn.Module):
    def __init__(self, dim, ctx_dim, heads, self_attn):
        super().__init__()
        self.norm = gn(dim)
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.self_attn = self_attn
        if self_attn:
            self.n0 = ChanNorm(dim)
            self.a0 = Attention(dim, dim, heads)
        self.n1 = ChanNorm(dim)
        self.a1 = Attention(dim, ctx_dim, heads)
        self.n2 = ChanNorm(dim)
        self.ff = FeedForward(dim, 2)
        self.proj_out = nn.Conv2d(dim, dim, 1)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x, ctx):
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x)).reshape(b, c, hh * ww)
        if self.self_attn:
            y = self.n0(h)
            h = h + self.a0(y, y)
        h = h + self.a1(self.n1(h), ctx)
        h = h + self.ff(self.n2(h))
        return x + self.proj_out(h.reshape(b, c, hh, ww))


class UNet(nn.Module):
    """sample [B,4,h,w], timestep [1] or [B] (float, fractional allowed), encoder_hidden_states [B,L,H] -> eps."""

    def __init__(self, ch=(64, 128, 192), ctx_dim=128, heads=4, latent_channels=4, temb=256, attn0=False):
        super().__init__()
        c0, c1, c2 = ch
        self.temb_dim = ch[0] * 2
        self.t1 = nn.Linear(self.temb_dim, temb)
        self.t2 = nn.Linear(temb, temb)
        self.pool = nn.Linear(ctx_dim, temb)  # global text conditioning from the last (EOS/pad) token state
        self.conv_in = nn.Conv2d(latent_channels, c0, 3, padding=1)
        self.d0 = ResBlock(c0, c0, temb)
        # v2 (16x16 latents): cross-attention at the top level too, so words place objects (left/right, corners)
        self.d0a = SpatialTransformer(c0, ctx_dim, heads, False) if attn0 else None
        self.u0a = SpatialTransformer(c0, ctx_dim, heads, False) if attn0 else None
        self.down0 = nn.Conv2d(c0, c1, 3, stride=2, padding=1)
        self.d1 = ResBlock(c1, c1, temb)
        self.d1a = SpatialTransformer(c1, ctx_dim, heads, False)
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.d2 = ResBlock(c2, c2, temb)
        self.d2a = SpatialTransformer(c2, ctx_dim, heads, True)
        self.m1 = ResBlock(c2, c2, temb)
        self.ma = SpatialTransformer(c2, ctx_dim, heads, True)
        self.m2 = ResBlock(c2, c2, temb)
        self.u2 = ResBlock(2 * c2, c2, temb)
        self.u2a = SpatialTransformer(c2, ctx_dim, heads, True)
        self.up2 = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1 = ResBlock(2 * c1, c1, temb)
        self.u1a = SpatialTransformer(c1, ctx_dim, heads, False)
        self.up1 = nn.Conv2d(c1, c0, 3, padding=1)
        self.u0 = ResBlock(2 * c0, c0, temb)
        self.n_out = gn(c0)
        self.conv_out = nn.Conv2d(c0, latent_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample, timestep, encoder_hidden_states):
        b = sample.shape[0]
        ctx = encoder_hidden_states.transpose(1, 2)  # [B, H, L]
        t = timestep.reshape(-1).float()
        emb = self.t2(F.silu(self.t1(timestep_embedding(t, self.temb_dim))))
        emb = emb.expand(b, -1) + self.pool(encoder_hidden_states[:, -1, :])
        h = self.conv_in(sample)
        s0 = self.d0(h, emb)
        if self.d0a is not None:
            s0 = self.d0a(s0, ctx)
        h = self.down0(s0)
        s1 = self.d1a(self.d1(h, emb), ctx)
        h = self.down1(s1)
        s2 = self.d2a(self.d2(h, emb), ctx)
        h = self.m2(self.ma(self.m1(s2, emb), ctx), emb)
        h = self.u2a(self.u2(torch.cat([h, s2], 1), emb), ctx)
        # upsample to the skip's size, not by 2: latents of any size run (an odd side is ceil-halved on the way
        # down), as diffusers' UNet does with its forward_upsample_size; the ONNX graph reads the size at run time
        h = self.up2(F.interpolate(h, size=s1.shape[-2:], mode='nearest'))
        h = self.u1a(self.u1(torch.cat([h, s1], 1), emb), ctx)
        h = self.up1(F.interpolate(h, size=s0.shape[-2:], mode='nearest'))
        h = self.u0(torch.cat([h, s0], 1), emb)
        if self.u0a is not None:
            h = self.u0a(h, ctx)
        return self.conv_out(F.silu(self.n_out(h)))


# ---------------------------------------------------------------- VAE
class VResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1 = gn(c)
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.n2 = gn(c)
        self.c2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.silu(self.n2(self.c1(F.silu(self.n1(x))))))


class Encoder(nn.Module):
    """pixels [B,3,H,W] in [-1,1] -> mean, logvar [B,z,H/f,W/f] with f = 8 or 16.

    Starts with a 4x4 space-to-depth (pixel unshuffle) instead of full-resolution convolutions: about half
    the CPU time of a conv stem, which matters because every training scene is encoded once.  f/16 adds a
    second stride-2 stage (v2: 16x16 latents at 256x256, a quarter of the UNet cost of f/8).
    """

    def __init__(self, ch=(48, 96), z=4, factor=8):
        super().__init__()
        a, b = ch[0], ch[1]
        layers = [nn.PixelUnshuffle(4), nn.Conv2d(48, a, 3, padding=1), nn.SiLU(),
                  nn.Conv2d(a, b, 3, stride=2, padding=1), VResBlock(b)]
        if factor == 16:
            c = ch[2]
            layers += [nn.Conv2d(b, c, 3, stride=2, padding=1), VResBlock(c)]
            b = c
        elif factor != 8:
            raise ValueError(f'Encoder: factor must be 8 or 16, got {factor}')
        layers += [gn(b), nn.SiLU(), nn.Conv2d(b, 2 * z, 3, padding=1)]
        self.net = nn.Sequential(*layers)
        self.z = z

    def forward(self, x):
        mean, logvar = self.net(x).chunk(2, 1)
        return mean, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    """latents [B,z,h,w] (unscaled) -> pixels [B,3,f*h,f*w] in [-1,1]; ch has 4 entries for f/8, 5 for f/16."""

    def __init__(self, ch=(96, 48, 24, 12), z=4):
        super().__init__()
        a, b = ch[0], ch[1]
        self.conv_in = nn.Conv2d(z, a, 3, padding=1)
        self.r1 = VResBlock(a)
        self.r2 = VResBlock(a)
        self.c1 = nn.Conv2d(a, b, 3, padding=1)
        self.c1b = nn.Conv2d(b, b, 3, padding=1)
        # the remaining upsampling stages: one 3x3 conv each (the full-resolution ones are the costly ones)
        self.ups = nn.ModuleList(nn.Conv2d(ci, co, 3, padding=1) for ci, co in zip(ch[1:-1], ch[2:]))
        # f/16 keeps a residual block at the second stage too (detail of small objects)
        self.r3 = VResBlock(ch[2]) if len(ch) == 5 else nn.Identity()
        d = ch[-1]
        self.n_out = gn(d)
        self.conv_out = nn.Conv2d(d, 3, 3, padding=1)

    def forward(self, z):
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode='nearest')
        h = self.r2(self.r1(self.conv_in(z)))
        h = F.silu(self.c1(up(h)))
        h = h + F.silu(self.c1b(h))
        for k, conv in enumerate(self.ups):
            h = F.silu(conv(up(h)))
            if k == 0:
                h = self.r3(h)
        return torch.tanh(self.conv_out(F.silu(self.n_out(h))))


class VAE(nn.Module):
    def __init__(self, enc_ch=(48, 96), dec_ch=(96, 48, 24, 12), z=4, factor=8):
        super().__init__()
        if len(dec_ch) != (4 if factor == 8 else 5):
            raise ValueError(f'VAE: f/{factor} needs {4 if factor == 8 else 5} decoder widths, got {dec_ch}')
        self.encoder = Encoder(enc_ch, z, factor)
        self.decoder = Decoder(dec_ch, z)
        self.z = z
        self.factor = factor


def count(m):
    return sum(p.numel() for p in m.parameters())
