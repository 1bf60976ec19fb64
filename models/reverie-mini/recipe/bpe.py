"""Byte-level BPE in CLIP's format, trained on our captions.

The files we write are read unchanged by any CLIP tokenizer (OpenAI CLIP `simple_tokenizer.py`,
transformers `CLIPTokenizer`, the engine's `clip-bpe.ts`):
  vocab.json  = the 256 byte symbols of `bytes_to_unicode`, the same 256 with `</w>`, one entry per merge
                (in merge order), then `<|startoftext|>` and `<|endoftext|>`  -- CLIP's own vocab order;
  merges.txt  = `#version: 0.2` header, then one "a b" merge per line, by rank.
Text is lower-cased and whitespace-collapsed; words end in `</w>`.  The encoder here follows the algorithm
of OpenAI CLIP's simple_tokenizer (greedy lowest-rank pair merging); tests check it against reference ids
of the real CLIP vocabulary (../shared/reference/clip/tokenizations.json).
"""
import json
import re
from collections import Counter

BOS = '<|startoftext|>'
EOS = '<|endoftext|>'
# CLIP's pre-tokenizer pattern, with \p{L} written as [^\W\d_] and \p{N} as \d for Python's `re`.
PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+", re.IGNORECASE)


def bytes_to_unicode():
    """Reversible byte -> printable unicode map (printable latin-1 bytes map to themselves, the rest to 256+n)."""
    keep = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    # CLIP orders the vocabulary by the `keep` bytes first, then the remapped ones.
    ordered = [b for b in keep] + [b for b in range(256) if b not in keep]
    return {b: table[b] for b in ordered}


BYTE_ENCODER = bytes_to_unicode()


def clean(text):
    return re.sub(r'\s+', ' ', text).strip().lower()


def words_of(text):
    return [''.join(BYTE_ENCODER[b] for b in w.encode('utf-8')) for w in PAT.findall(clean(text))]


def _symbols(word):
    return tuple(word[:-1]) + (word[-1] + '</w>',)


def train_bpe(texts, vocab_size=4096, min_freq=2):
    """Learn merges over the word counts of `texts` until the vocabulary has `vocab_size` entries."""
    counts = Counter()
    for t in texts:
        counts.update(words_of(t))
    words = {_symbols(w): c for w, c in counts.items()}
    merges = []
    budget = vocab_size - 512 - 2
    while len(merges) < budget:
        pairs = Counter()
        for sym, c in words.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        (a, b), freq = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if freq < min_freq:
            break
        merges.append((a, b))
        merged = {}
        for sym, c in words.items():
            out = []
            i = 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return merges


def build_vocab(merges):
    base = list(BYTE_ENCODER.values())
    tokens = base + [s + '</w>' for s in base] + [a + b for a, b in merges] + [BOS, EOS]
    vocab = {}
    for tok in tokens:
        if tok in vocab:
            raise ValueError(f'duplicate vocabulary entry {tok!r}: merges must produce new symbols')
        vocab[tok] = len(vocab)
    return vocab


def save(folder, merges, max_length):
    import os
    os.makedirs(folder, exist_ok=True)
    vocab = build_vocab(merges)
    with open(os.path.join(folder, 'vocab.json'), 'w', encoding='utf-8') as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, 'merges.txt'), 'w', encoding='utf-8') as f:
        f.write('#version: 0.2\n')
        for a, b in merges:
            f.write(f'{a} {b}\n')
    config = {
        'tokenizer_class': 'CLIPTokenizer', 'model_max_length': max_length, 'do_lower_case': True,
        'bos_token': BOS, 'eos_token': EOS, 'unk_token': EOS, 'pad_token': EOS,
        'clean_up_tokenization_spaces': True, 'errors': 'replace',
    }
    with open(os.path.join(folder, 'tokenizer_config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(folder, 'special_tokens_map.json'), 'w') as f:
        json.dump({'bos_token': BOS, 'eos_token': EOS, 'unk_token': EOS, 'pad_token': EOS}, f, indent=2)


class Tokenizer:
    """CLIP-style encoder over a vocab.json / merges.txt pair (ours or OpenAI's)."""

    def __init__(self, vocab, merges, max_length):
        self.vocab = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.max_length = max_length
        self.bos = vocab[BOS]
        self.eos = vocab[EOS]
        self.pad = self.eos
        self.cache = {}

    @classmethod
    def from_folder(cls, folder, max_length=None):
        import os
        with open(os.path.join(folder, 'vocab.json'), encoding='utf-8') as f:
            vocab = json.load(f)
        with open(os.path.join(folder, 'merges.txt'), encoding='utf-8') as f:
            lines = f.read().split('\n')
        merges = [tuple(l.split(' ')) for l in lines[1:] if l.strip()]
        if max_length is None:
            with open(os.path.join(folder, 'tokenizer_config.json')) as f:
                max_length = json.load(f)['model_max_length']
        return cls(vocab, merges, max_length)

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        sym = list(_symbols(word))
        while len(sym) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(sym, sym[1:]))]
            rank, best = min(pairs)
            if rank == 1 << 30:
                break
            a, b = sym[best], sym[best + 1]
            out = []
            i = 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            sym = out
        self.cache[word] = sym
        return sym

    def ids(self, text):
        """BOS + tokens + EOS, cut to max_length with EOS kept last (before padding)."""
        out = [self.bos]
        for w in words_of(text):
            out.extend(self.vocab[s] for s in self.bpe(w))
        out = out[: self.max_length - 1] + [self.eos]
        return out

    def encode_padded(self, text):
        ids = self.ids(text)
        return ids + [self.pad] * (self.max_length - len(ids))
