"""Recipe tests (Python unittest; needs Debian's python3-torch, so CI without torch skips them).

  /usr/bin/python3 -m unittest discover -s models/reverie-mini/recipe/tests -v

The smoke test runs the whole recipe (npm pack + sharp data build, BPE, VAE, pool, UNet, ONNX export,
onnxruntime-node verification, evaluation) with the `smoke` configuration in a temporary folder: ~2 min
on one CPU thread.  Set REVERIE_SKIP_SMOKE=1 to run only the fast tests.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(RECIPE, '..', '..', '..'))
SHARED_CLIP = os.path.join(REPO, '..', 'shared', 'reference', 'clip')
sys.path.insert(0, RECIPE)

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


class TokenizerTest(unittest.TestCase):
    def test_encoder_matches_clip_reference_ids(self):
        import bpe
        if not os.path.exists(os.path.join(SHARED_CLIP, 'tokenizations.json')):
            self.skipTest('../shared/reference/clip not present')
        tok = bpe.Tokenizer.from_folder(SHARED_CLIP, max_length=77)
        with open(os.path.join(SHARED_CLIP, 'tokenizations.json')) as f:
            cases = json.load(f)['cases']
        for case in cases:
            self.assertEqual(tok.ids(case['text']), case['ids'], case['text'])

    def test_vocab_layout_matches_clip(self):
        """Rebuilding CLIP's vocab from CLIP's merges with our writer gives CLIP's vocab.json exactly."""
        import bpe
        if not os.path.exists(os.path.join(SHARED_CLIP, 'vocab.json')):
            self.skipTest('../shared/reference/clip not present')
        with open(os.path.join(SHARED_CLIP, 'vocab.json'), encoding='utf-8') as f:
            clip_vocab = json.load(f)
        with open(os.path.join(SHARED_CLIP, 'merges.txt'), encoding='utf-8') as f:
            merges = [tuple(l.split(' ')) for l in f.read().split('\n')[1:] if l.strip()]
        self.assertEqual(bpe.build_vocab(merges), clip_vocab)

    def test_trained_tokenizer_roundtrip(self):
        import bpe
        texts = ['a red apple on a blue background', 'a cat and a rocket, pink background', 'a small dog on the left'] * 5
        merges = bpe.train_bpe(texts, vocab_size=700)
        with tempfile.TemporaryDirectory() as d:
            bpe.save(d, merges, 24)
            tok = bpe.Tokenizer.from_folder(d)
            with open(os.path.join(d, 'merges.txt'), encoding='utf-8') as f:
                self.assertEqual(f.readline().strip(), '#version: 0.2')
            with open(os.path.join(d, 'tokenizer_config.json')) as f:
                self.assertEqual(json.load(f)['model_max_length'], 24)
        self.assertEqual(sorted(tok.vocab.values()), list(range(len(tok.vocab))))
        ids = tok.ids('a red apple on a blue background')
        self.assertEqual(len(ids), 2 + 7)  # every frequent word became one token
        self.assertEqual((ids[0], ids[-1]), (tok.bos, tok.eos))
        padded = tok.encode_padded('x ' * 40)
        self.assertEqual(len(padded), 24)
        self.assertEqual(padded[-1], tok.eos)


@unittest.skipUnless(HAVE_TORCH, 'needs torch (Debian python3-torch)')
class ModelTest(unittest.TestCase):
    def test_unet_shapes_and_timestep_broadcast(self):
        import torch
        import models
        unet = models.UNet((16, 32, 48), 32, 2)
        x = torch.randn(3, 4, 16, 24)
        ctx = torch.randn(3, 8, 32)
        a = unet(x, torch.tensor([10.0]), ctx)
        b = unet(x, torch.tensor([10.0, 10.0, 10.0]), ctx)
        self.assertEqual(tuple(a.shape), (3, 4, 16, 24))
        self.assertTrue(torch.allclose(a, b))

    def test_vae_is_f8_with_4_channels(self):
        import torch
        import models
        vae = models.VAE((16, 32), (32, 16, 16, 8))
        mean, logvar = vae.encoder(torch.rand(2, 3, 64, 48) * 2 - 1)
        self.assertEqual(tuple(mean.shape), (2, 4, 8, 6))
        img = vae.decoder(mean)
        self.assertEqual(tuple(img.shape), (2, 3, 64, 48))
        self.assertLessEqual(img.abs().max().item(), 1.0)

    def test_every_config_fits_the_60_mb_folder_budget(self):
        import models
        import train
        from configs import CONFIGS
        for name, cfg in CONFIGS.items():
            te, unet = train.nets_from_cfg(cfg, cfg['vocab_size'])
            n = models.count(te) + models.count(unet) + models.count(train.vae_from_cfg(cfg))
            self.assertLess(4 * n, 58e6, f'{name}: {n} parameters are {4 * n / 1e6:.1f} MB of fp32 weights')

    def test_scene_border_is_background(self):
        import numpy as np
        import data
        rgba = np.zeros((32, 32, 4), np.uint8)
        rgba[8:24, 8:24] = (255, 0, 0, 255)
        img = data.render({'bg_rgb': [0, 0, 255], 'objects': [{'rgba': rgba, 'cx': 0.5, 'cy': 0.5, 'scale': 0.5}]}, 64)
        self.assertEqual(img[0, 0].tolist(), [0, 0, 255])
        self.assertEqual(img[32, 32].tolist(), [255, 0, 0])


@unittest.skipUnless(HAVE_TORCH, 'needs torch (Debian python3-torch)')
@unittest.skipIf(os.environ.get('REVERIE_SKIP_SMOKE') == '1', 'REVERIE_SKIP_SMOKE=1')
class SmokeTest(unittest.TestCase):
    def test_smoke_recipe_end_to_end(self):
        with tempfile.TemporaryDirectory() as d:
            work = os.path.join(d, 'work')
            out = os.path.join(d, 'model')
            subprocess.run([sys.executable, os.path.join(RECIPE, 'run.py'), '--config', 'smoke', '--work', work, '--out', out],
                           check=True, capture_output=True)
            for rel in ('model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt',
                        'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx',
                        'vae_decoder/config.json', 'samples.jpg'):
                self.assertTrue(os.path.exists(os.path.join(out, rel)), rel)
            with open(os.path.join(work, 'verify.json')) as f:
                verify = json.load(f)
            for name, r in verify.items():
                self.assertLess(r['maxAbsDiff'], 1e-4, name)
            self.assertEqual([i['type'] for i in verify['unet']['inputs']], ['float32', 'float32', 'float32'])
            self.assertEqual(verify['text_encoder']['inputs'][0]['type'], 'int32')
            with open(os.path.join(out, 'model_index.json')) as f:
                rev = json.load(f)['reverie']
            self.assertEqual(rev['family'], 'reverie')
            self.assertEqual(len(rev['latent_rgb_factors']), 4)
            with open(os.path.join(work, 'eval.json')) as f:
                ev = json.load(f)
            self.assertIn('accuracy', ev['background'])
            self.assertGreater(ev['timing_20_steps_256_ms'], 0)


if __name__ == '__main__':
    unittest.main()
