"""Training configurations.  `cpu` is what ships in models/reverie-mini today; `gpu` is the real run."""

COMMON = {
    'max_length': 32,          # tokens incl. BOS/EOS; captions are <= 28 tokens (see README "Tokenizer")
    'vocab_size': 4096,
    'bpe_captions': 40000,
    'heldout_fraction': 0.04,  # objects never seen in training
    'ckpt_minutes': 3.0,
    'seed': 1234,
    'schedule': {'beta_start': 0.00085, 'beta_end': 0.012, 'num_train_timesteps': 1000},
}

CONFIGS = {
    # Runs end to end on one CPU thread in a couple of minutes: proves the pipeline, not the quality.
    'smoke': {
        **COMMON,
        'sets': ['3d'], 'style_probs': {'3d': 1.0}, 'concepts': 'all', 'sprite_limit': 120,
        'bpe_captions': 3000, 'vocab_size': 1200,
        'vae': {'enc_ch': [16, 32], 'dec_ch': [32, 16, 16, 8], 'batch': 8, 'crop': 64, 'steps': 30, 'lr': 2e-3, 'minutes': 2},
        'pool': {'size': 256, 'chunk': 128, 'workers': 0},
        'text': {'width': 64, 'layers': 1, 'heads': 2},
        'unet': {'ch': [32, 64, 96], 'heads': 2, 'batch': 8, 'steps': 30, 'lr': 1e-3, 'warmup': 5, 'minutes': 2,
                 'ema': 0.9, 'min_snr_gamma': 5.0, 'device_dtype': 'float32'},
        'eval': {'prompts_per_colour': 1, 'classifier_steps': 20, 'sample_steps': 4},
    },
    # What ships now: ~60 minutes of one niced CPU thread on a shared 2-core machine.
    'cpu': {
        **COMMON,
        'sets': ['3d', 'flat'], 'style_probs': {'3d': 0.85, 'flat': 0.15}, 'concepts': 'cpu', 'sprite_limit': 0,
        'vae': {'enc_ch': [48, 96], 'dec_ch': [96, 48, 24, 12], 'batch': 16, 'crop': 128, 'steps': 1100, 'lr': 1e-3, 'minutes': 9},
        'pool': {'size': 20000, 'chunk': 1000, 'workers': 0},
        'text': {'width': 128, 'layers': 2, 'heads': 4},
        'unet': {'ch': [48, 96, 160], 'heads': 4, 'batch': 32, 'steps': 1600, 'lr': 6e-4, 'warmup': 60, 'minutes': 46,
                 'ema': 0.995, 'min_snr_gamma': 5.0, 'device_dtype': 'float32'},
        'eval': {'prompts_per_colour': 10, 'classifier_steps': 600, 'sample_steps': 20},
    },
    # The real training on one H100 (80 GB): bf16 autocast, all 3 art sets, every concept incl. people,
    # skin tones and flags.  Expected: VAE ~25 min, pool ~15 min (16 workers), UNet ~3.5 h at ~10 it/s.
    'gpu': {
        **COMMON,
        'sets': ['3d', 'flat', 'noto'], 'style_probs': {'3d': 0.6, 'flat': 0.2, 'noto': 0.2}, 'concepts': 'all', 'sprite_limit': 0,
        'vae': {'enc_ch': [96, 192], 'dec_ch': [192, 128, 64, 32], 'batch': 32, 'crop': 256, 'steps': 30000, 'lr': 5e-4, 'minutes': 40},
        'pool': {'size': 600000, 'chunk': 20000, 'workers': 14},
        'text': {'width': 256, 'layers': 4, 'heads': 4},
        'unet': {'ch': [96, 192, 288], 'heads': 8, 'batch': 256, 'steps': 120000, 'lr': 3e-4, 'warmup': 1000, 'minutes': 240,
                 'ema': 0.9998, 'min_snr_gamma': 5.0, 'device_dtype': 'bfloat16'},
        'eval': {'prompts_per_colour': 20, 'classifier_steps': 4000, 'sample_steps': 20},
    },
}
