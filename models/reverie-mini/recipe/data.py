"""Scenes and captions: compositional augmentation of the rendered sprites (see build_dataset.mjs).

A scene is one or two sprites pasted on a plain background of a named colour, with a size word and a
position word, in one of the art styles; its caption names exactly what was drawn, so every word has a
visible effect.  Training and evaluation use disjoint caption phrasings (TRAIN_FORMS / HELDOUT_FORMS) and
a small set of held-out objects that never appear in training.
"""
import hashlib
import json
import os

import numpy as np
from PIL import Image

import vocabulary

COLOURS = {
    'white': (245, 245, 245), 'black': (22, 22, 22), 'gray': (128, 128, 128), 'red': (215, 38, 38),
    'orange': (245, 140, 30), 'yellow': (250, 215, 45), 'green': (48, 165, 70), 'blue': (40, 90, 220),
    'purple': (128, 58, 190), 'pink': (245, 150, 190), 'brown': (125, 78, 40), 'beige': (225, 205, 165),
}
COLOUR_ALIASES = {'gray': ['gray', 'grey']}
SIZES = {'small': (0.30, 0.40), '': (0.50, 0.64), 'large': (0.76, 0.90)}
SIZE_WORDS = {'small': ['small', 'tiny', 'little'], '': [''], 'large': ['large', 'big', 'huge']}
POSITIONS = {
    '': (0.5, 0.5), 'on the left': (0.28, 0.5), 'on the right': (0.72, 0.5), 'at the top': (0.5, 0.28),
    'at the bottom': (0.5, 0.72), 'in the top left corner': (0.28, 0.28), 'in the top right corner': (0.72, 0.28),
    'in the bottom left corner': (0.28, 0.72), 'in the bottom right corner': (0.72, 0.72),
}
STYLE_WORDS = {'3d': ['3d'], 'flat': ['flat'], 'noto': ['cartoon']}
TRAIN_FORMS = ['{x} on {ac} background', '{x} on {c} background', '{x}, {c} background', '{x} with {ac} background',
               '{ac} background with {x}']
HELDOUT_FORMS = ['{x} against {ac} background', 'a picture of {x} on {ac} background', '{x}, plain {c} background']
CPU_GROUPS = {0, 3, 4, 5, 6, 7}  # smileys, animals & nature, food & drink, travel & places, activities, objects
GEOMETRIC_SUBGROUP = 96


def article(phrase):
    return ('an ' if phrase[:1] in 'aeiou8' else 'a ') + phrase


def is_heldout_object(hex_code, fraction):
    h = int(hashlib.sha1(hex_code.encode()).hexdigest()[:8], 16)
    return (h % 10000) < fraction * 10000


class Sprites:
    """Memory-mapped RGBA sprites of each set, grouped into concepts (one concept = one emoji, any style)."""

    def __init__(self, data_dir, sets, concept_filter='all', heldout_fraction=0.04):
        with open(os.path.join(data_dir, 'sprites.json')) as f:
            meta = json.load(f)
        self.size = meta['size']
        self.arrays = {}
        self.entries = {}
        concepts = {}
        for s in sets:
            self.arrays[s] = np.memmap(os.path.join(data_dir, f'sprites_{s}.u8'), dtype=np.uint8, mode='r').reshape(-1, self.size, self.size, 4)
            self.entries[s] = meta['sets'][s]
            for i, e in enumerate(meta['sets'][s]):
                if concept_filter == 'vocab':  # v2: only the 150 objects of vocabulary.py, base skin tone
                    keep = e['tone'] == 0 and e['label'] in vocabulary.BY_LABEL
                elif concept_filter == 'cpu':
                    keep = e['tone'] == 0 and (e['group'] in CPU_GROUPS or e['subgroup'] == GEOMETRIC_SUBGROUP)
                else:
                    keep = e['group'] != 9 or s == '3d'
                if not keep:
                    continue
                key = e['hex']
                c = concepts.setdefault(key, {'hex': key, 'label': e['label'], 'tags': e['tags'], 'tone': e.get('tone_label', ''),
                                              'group': e['group'], 'views': []})
                c['views'].append((s, i))
                if concept_filter == 'vocab':
                    c['name'], c['synonyms'] = vocabulary.BY_LABEL[e['label']]
        allc = sorted(concepts.values(), key=lambda c: c['hex'])
        self.train = [c for c in allc if not is_heldout_object(c['hex'], heldout_fraction)]
        self.heldout = [c for c in allc if is_heldout_object(c['hex'], heldout_fraction)]
        for i, c in enumerate(self.train):
            c['index'] = i

    def rgba(self, view):
        s, i = view
        return self.arrays[s][i]


def object_name(concept, rng, short_names=True):
    if 'name' in concept:  # v2 vocabulary: the plain name, a synonym one time in five
        syn = concept['synonyms']
        return syn[rng.integers(len(syn))] if syn and rng.random() < 0.2 else concept['name']
    label = concept['label'].replace(':', ',')
    if concept['tone'] and ':' not in concept['label']:
        label = f"{label}, {concept['tone']}"
    if short_names and rng.random() < 0.2:
        heads = [t for t in concept['tags'] if ' ' not in t and t in label.split() and t not in COLOURS]
        if heads:
            return heads[-1]
    return label


_DOMINANT = {}


def dominant_colour(rgba):
    """The named colour covering >= 45 % of a sprite's opaque pixels, or None (multi-coloured sprites)."""
    key = (rgba.shape, hashlib.blake2b(np.ascontiguousarray(rgba[::4, ::4]).tobytes(), digest_size=16).digest())
    if key not in _DOMINANT:
        small = np.asarray(Image.fromarray(np.ascontiguousarray(rgba)).resize((32, 32), Image.BILINEAR), dtype=np.float32)
        px = small[small[..., 3] > 200][:, :3]
        names = list(COLOURS)
        pal = np.array([COLOURS[n] for n in names], dtype=np.float32)
        best = None
        if len(px) > 40:
            near = np.argmin(((px[:, None, :] - pal[None]) ** 2).sum(-1), 1)
            counts = np.bincount(near, minlength=len(names))
            if counts.max() >= 0.45 * len(px):
                best = names[int(counts.argmax())]
        _DOMINANT[key] = best
    return _DOMINANT[key]


def render(spec, size=256):
    """Render a scene spec to uint8 HxWx3: background colour, then each (rgba, cx, cy, scale) paste."""
    bg = np.array(spec['bg_rgb'], dtype=np.float32)
    canvas = np.empty((size, size, 3), dtype=np.float32)
    canvas[:] = bg
    for obj in spec['objects']:
        px = max(8, int(round(obj['scale'] * size)))
        img = Image.fromarray(np.ascontiguousarray(obj['rgba'])).resize((px, px), Image.BILINEAR)
        a = np.asarray(img, dtype=np.float32)
        x0 = int(round(obj['cx'] * size - px / 2))
        y0 = int(round(obj['cy'] * size - px / 2))
        xs, ys = max(0, x0), max(0, y0)
        xe, ye = min(size, x0 + px), min(size, y0 + px)
        if xe <= xs or ye <= ys:
            continue
        patch = a[ys - y0:ye - y0, xs - x0:xe - x0]
        alpha = patch[..., 3:4] / 255.0
        canvas[ys:ye, xs:xe] = canvas[ys:ye, xs:xe] * (1 - alpha) + patch[..., :3] * alpha
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8)


class SceneSampler:
    def __init__(self, sprites, style_probs, rng, pair_prob=0.25, forms=None, caption_drop=0.1, colour_object_boost=0.0,
                 colour_adjective=0.0):
        self.sprites = sprites
        self.styles = list(style_probs.keys())
        self.style_p = np.array(list(style_probs.values()), dtype=np.float64)
        self.style_p /= self.style_p.sum()
        self.rng = rng
        self.pair_prob = pair_prob
        self.forms = forms or TRAIN_FORMS
        self.caption_drop = caption_drop
        # Objects whose name carries a colour word ("red apple", "blue book", "green heart"): drawn more often,
        # always on a background of another colour, to teach the text encoder which noun a colour word binds to.
        self.colour_object_boost = colour_object_boost
        self.colour_objects = [c for c in sprites.train if any(w in COLOURS for w in c['label'].split())]
        # v2: how often a single object's name gets the colour word of its sprite ("a red apple"), with the
        # background then always another colour: teaches which noun a colour word binds to.
        self.colour_adjective = colour_adjective

    def _view(self, concept, style):
        views = [v for v in concept['views'] if v[0] == style]
        return views[0] if views else concept['views'][0]

    def sample(self, concepts=None, form=None, colour=None):
        rng = self.rng
        pool = concepts if concepts is not None else self.sprites.train
        style = self.styles[rng.choice(len(self.styles), p=self.style_p)]
        if concepts is None and self.colour_object_boost > 0 and self.colour_objects and rng.random() < self.colour_object_boost:
            pool = self.colour_objects  # the background colour stays uniform: 11 times in 12 it differs
        if colour is None:
            colour = list(COLOURS)[rng.integers(len(COLOURS))]
        bg = np.clip(np.array(COLOURS[colour]) + rng.integers(-12, 13, 3), 0, 255)
        objs = []
        style_adj = ''
        if len(self.styles) > 1 and (style != '3d' or rng.random() < 0.3):
            style_adj = STYLE_WORDS[style][rng.integers(len(STYLE_WORDS[style]))]
        if rng.random() < self.pair_prob and len(pool) >= 2:
            a, b = rng.choice(len(pool), 2, replace=False)
            names = []
            for k, (ci, cx) in enumerate(((a, 0.28), (b, 0.72))):
                c = pool[ci]
                view = self._view(c, style)
                sc = rng.uniform(0.38, 0.46)
                objs.append({'rgba': self.sprites.rgba(view), 'cx': cx + rng.uniform(-0.03, 0.03), 'cy': 0.5 + rng.uniform(-0.05, 0.05),
                             'scale': sc, 'concept': c})
                names.append(article(object_name(c, rng)))
            x = f'{names[0]} and {names[1]}'
        else:
            c = pool[rng.integers(len(pool))]
            view = self._view(c, style)
            obj_colour = dominant_colour(self.sprites.rgba(view)) if self.colour_adjective > 0 and 'name' in c else None
            if obj_colour is not None and rng.random() < self.colour_adjective:
                if colour == obj_colour:
                    colour = [n for n in COLOURS if n != obj_colour][rng.integers(len(COLOURS) - 1)]
                    bg = np.clip(np.array(COLOURS[colour]) + rng.integers(-12, 13, 3), 0, 255)
            else:
                obj_colour = None
            size_key = list(SIZES)[rng.choice(3, p=[0.25, 0.5, 0.25])]
            pos_key = '' if size_key == 'large' or rng.random() < 0.5 else list(POSITIONS)[1 + rng.integers(len(POSITIONS) - 1)]
            lo, hi = SIZES[size_key]
            cx, cy = POSITIONS[pos_key]
            objs.append({'rgba': self.sprites.rgba(view), 'cx': cx + rng.uniform(-0.03, 0.03), 'cy': cy + rng.uniform(-0.03, 0.03),
                         'scale': rng.uniform(lo, hi), 'concept': c})
            words = SIZE_WORDS[size_key]
            sw = words[rng.integers(len(words))]
            name = object_name(c, rng)
            if obj_colour is not None:
                name = f'{obj_colour} {name}'
            if style_adj and rng.random() < 0.5:
                name = f'{style_adj} {name}'
                style_adj = ''
            x = article(f'{sw} {name}'.strip())
            if pos_key:
                x = f'{x} {pos_key}'
        cname = COLOUR_ALIASES.get(colour, [colour])
        cword = cname[rng.integers(len(cname))]
        r = rng.random()
        if style_adj:
            x = f'{x}, {style_adj} style'
        if form is not None:
            caption = form.format(x=x, c=cword, ac=article(cword))
        elif r < self.caption_drop:
            caption = ''
        elif r < self.caption_drop + 0.1:
            caption = x  # background not mentioned
        else:
            f = self.forms[rng.integers(len(self.forms))]
            caption = f.format(x=x, c=cword, ac=article(cword))
        spec = {'bg_rgb': bg.tolist(), 'objects': objs, 'colour': colour, 'style': style}
        return spec, caption


def all_training_captions(sprites, n, seed=0):
    """Captions to train the BPE on: every training form, colour, object name, plus the held-out words.

    The held-out phrasings' words are included in the tokenizer (so they tokenize to whole words) but
    never appear in the diffusion training captions.
    """
    rng = np.random.default_rng(seed)
    sampler = SceneSampler(sprites, {'3d': 1, 'flat': 1, 'noto': 1}, rng, caption_drop=0)
    out = [sampler.sample()[1] for _ in range(n)]
    for c in sprites.train + sprites.heldout:
        out.extend([c['label'].replace(':', ',')] * 3)
        out.extend(t for t in c['tags'])
    for f in HELDOUT_FORMS:
        out.extend([f.format(x='a cat', c='blue', ac='a blue')] * 3)
    out.extend(['grey', 'gray', 'backdrop', 'an apple', 'a dog', 'a house'] * 3)
    return out
