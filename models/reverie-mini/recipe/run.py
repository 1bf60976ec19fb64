#!/usr/bin/python3
"""One command for the whole recipe:  /usr/bin/python3 recipe/run.py --config v2|smoke|cpu|gpu --threads 2

Configs: v2 (what ships: 150 objects, two CPU threads, ~2 h), smoke (tests), cpu (v1, superseded), gpu (one H100).

Stages (each resumable; rerun the same command after an interruption):
  dataset   node recipe/build_dataset.mjs (npm pack + sharp rendering)         -> work/data*/
  tokenizer byte-level BPE in CLIP format trained on the captions               -> work/<config>/tokenizer/
  vae       autoencoder (f/8 4-channel; v2: f/16 8-channel)                -> work/<config>/vae.pt
  pool      composed scenes encoded to latents (cached) + scaling factor         -> work/<config>/pool/
  unet      text encoder + UNet jointly, epsilon or v objective, SD schedule     -> work/<config>/unet.pt
            (an empty work folder first restores the committed resume point recipe/resume/<config>.pt, if any;
             /usr/bin/python3 recipe/resume.py save --config <config> writes it)
  export    diffusers ONNX layout                                                -> --out (models/reverie-mini for v2)
  verify    onnxruntime-node vs PyTorch on the same inputs                       -> work/<config>/verify.json
  evaluate  sample grid, background-colour and identity adherence, CPU timing    -> work/<config>/eval/
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

STAGES = ['dataset', 'tokenizer', 'vae', 'pool', 'unet', 'export', 'verify', 'evaluate']


def main():
    import torch
    from configs import CONFIGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--config', choices=sorted(CONFIGS), required=True)
    ap.add_argument('--work', help='work folder (default recipe/work/<config>)')
    ap.add_argument('--out', help='export folder (default: the model folder for cpu/gpu, work/<config>/export for smoke)')
    ap.add_argument('--from', dest='start', choices=STAGES, default=STAGES[0])
    ap.add_argument('--until', choices=STAGES, default=STAGES[-1])
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--fresh', action='store_true', help='ignore the committed resume point (recipe/resume/<config>.pt)')
    ap.add_argument('--unet-minutes', type=float, help="this session's UNet time budget (default: the config's)")
    args = ap.parse_args()
    cfg = CONFIGS[args.config]
    if args.unet_minutes:
        cfg = {**cfg, 'unet': {**cfg['unet'], 'minutes': args.unet_minutes}}
    torch.set_num_threads(args.threads)
    work = os.path.abspath(args.work or os.path.join(HERE, 'work', args.config))
    os.makedirs(work, exist_ok=True)
    limit = cfg['sprite_limit']
    data_dir = os.path.join(HERE, 'work', 'data' if limit == 0 else f'data-limit{limit}')
    out = os.path.abspath(args.out or (os.path.dirname(HERE) if args.config == 'v2' else os.path.join(work, 'export')))
    todo = STAGES[STAGES.index(args.start):STAGES.index(args.until) + 1]
    import train
    import resume
    if not args.fresh and os.path.exists(resume.resume_path(args.config)) and not os.path.exists(os.path.join(work, 'unet.pt')):
        step = resume.restore(args.config, work)
        train.log(work, f'resumed from {os.path.relpath(resume.resume_path(args.config), HERE)} at step {step}')
    for stage in todo:
        train.log(work, f'=== stage {stage} (config {args.config})')
        if stage == 'dataset':
            if not os.path.exists(os.path.join(data_dir, 'sprites.json')):
                cmd = ['node', os.path.join(HERE, 'build_dataset.mjs'), '--work', os.path.join(HERE, 'work'), '--data', data_dir,
                       '--sets', ','.join(cfg['sets'])]
                if limit:
                    cmd += ['--limit', str(limit)]
                subprocess.run(cmd, check=True)
        elif stage == 'tokenizer':
            train.stage_tokenizer(cfg, work, data_dir)
        elif stage == 'vae':
            train.stage_vae(cfg, work, data_dir)
        elif stage == 'pool':
            train.stage_pool(cfg, work, data_dir)
        elif stage == 'unet':
            train.stage_unet(cfg, work)
        elif stage == 'export':
            import export
            export.stage_export(cfg, work, out)
        elif stage == 'verify':
            import export
            export.stage_verify(cfg, work, out)
        elif stage == 'evaluate':
            import evaluate
            evaluate.stage_evaluate(cfg, work, out, data_dir)
            if args.config != 'smoke':
                import card
                card.render(args.config, work, out)


if __name__ == '__main__':
    main()
