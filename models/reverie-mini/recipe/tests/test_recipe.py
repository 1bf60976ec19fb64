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

    def test_v2_vae_is_f16_with_8_channels(self):
        import torch
        import models
        vae = models.VAE((16, 32, 32), (32, 16, 16, 8, 8), z=8, factor=16)
        mean, _ = vae.encoder(torch.rand(2, 3, 64, 48) * 2 - 1)
        self.assertEqual(tuple(mean.shape), (2, 8, 4, 3))
        self.assertEqual(tuple(vae.decoder(mean).shape), (2, 3, 64, 48))
        with self.assertRaises(ValueError):
            models.VAE((16, 32, 32), (32, 16, 16, 8), z=8, factor=16)

    def test_every_config_fits_the_60_mb_folder_budget(self):
        import models
        import train
        from configs import CONFIGS
        for name, cfg in CONFIGS.items():
            te, unet = train.nets_from_cfg(cfg, cfg['vocab_size'])
            n = models.count(te) + models.count(unet) + models.count(train.vae_from_cfg(cfg))
            self.assertLess(4 * n, 58e6, f'{name}: {n} parameters are {4 * n / 1e6:.1f} MB of fp32 weights')

    def test_vocabulary_has_150_objects_and_a_dominant_colour_rule(self):
        import numpy as np
        import data
        import vocabulary
        self.assertEqual(len(vocabulary.OBJECTS), 150)
        names = {n for n, _, _ in vocabulary.OBJECTS}
        synonyms = [w for _, _, syn in vocabulary.OBJECTS for w in syn]
        self.assertFalse(names & set(synonyms), 'a synonym is also an object name')
        self.assertEqual(len(synonyms), len(set(synonyms)), 'a synonym names two objects')
        red = np.zeros((64, 64, 4), np.uint8)
        red[8:56, 8:56] = (215, 38, 38, 255)
        self.assertEqual(data.dominant_colour(red), 'red')
        mixed = red.copy()  # a third each of red, blue and green: no colour word
        mixed[8:56, 24:40] = (40, 90, 220, 255)
        mixed[8:56, 40:56] = (48, 165, 70, 255)
        self.assertIsNone(data.dominant_colour(mixed))

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
            self.assertEqual(len(rev['latent_rgb_factors']), 8)  # smoke runs v2's shape: f/16, 8 channels, v-prediction
            with open(os.path.join(out, 'vae_decoder', 'config.json')) as f:
                self.assertEqual(len(json.load(f)['block_out_channels']), 5)
            with open(os.path.join(out, 'scheduler', 'scheduler_config.json')) as f:
                self.assertEqual(json.load(f)['prediction_type'], 'v_prediction')
            with open(os.path.join(work, 'eval.json')) as f:
                ev = json.load(f)
            self.assertIn('accuracy', ev['background'])
            self.assertGreater(ev['timing_20_steps_256_ms'], 0)
            # the committed-resume-point round trip: EMA weights exact to fp16, raw weights to the int8 step
            import torch
            import resume
            rpath = os.path.join(d, 'resume.pt')
            resume.save('smoke', work, rpath)
            work2 = os.path.join(d, 'work2')
            os.makedirs(work2)
            step = resume.restore('smoke', work2, rpath)
            a = torch.load(os.path.join(work, 'unet.pt'), map_location='cpu')
            b = torch.load(os.path.join(work2, 'unet.pt'), map_location='cpu')
            self.assertEqual(step, a['state']['step'])
            self.assertIsNone(b['opt'])
            for k, v in a['ema_unet'].items():
                self.assertTrue(torch.allclose(v, b['ema_unet'][k], rtol=1e-3, atol=1e-4), k)
            for k, v in a['unet'].items():
                if v.is_floating_point():
                    step_size = (v - a['ema_unet'][k]).abs().max() / 127 + 1e-3 * v.abs().max() + 1e-6
                    self.assertLessEqual(float((v - b['unet'][k]).abs().max()), float(step_size) * 1.01, k)
            self.assertTrue(os.path.exists(os.path.join(work2, 'tokenizer', 'merges.txt')))


if __name__ == '__main__':
    unittest.main()
