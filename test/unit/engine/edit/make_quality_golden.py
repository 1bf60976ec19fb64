#!/usr/bin/python3
"""Golden PSNR/SSIM numbers for test/unit/engine/edit/quality.test.ts, computed with numpy in float64 the way
Wang et al.'s reference MATLAB code (ssim_index.m, 2004) does it: an 11x11 Gaussian window with sigma 1.5
normalised to sum 1, filter2(window, img, 'valid') for the local means, variances and covariance, K1 = 0.01,
K2 = 0.03, L = 255, mean of the SSIM map; per colour channel, then averaged over the channels.

Run: /usr/bin/python3 test/unit/engine/edit/make_quality_golden.py   (writes quality-golden.json next to it)
"""
import json
import os

import numpy as np


def window():
    r = np.arange(11) - 5
    g = np.exp(-(r ** 2) / (2 * 1.5 ** 2))
    w = np.outer(g, g)
    return w / w.sum()


def filter_valid(img, w):
    h, wd = img.shape
    out = np.zeros((h - 10, wd - 10))
    for y in range(h - 10):
        for x in range(wd - 10):
            out[y, x] = (img[y:y + 11, x:x + 11] * w).sum()
    return out


def ssim_channel(a, b):
    w = window()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = filter_valid(a, w), filter_valid(b, w)
    s11 = filter_valid(a * a, w) - mu1 * mu1
    s22 = filter_valid(b * b, w) - mu2 * mu2
    s12 = filter_valid(a * b, w) - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (s11 + s22 + c2))
    return m.mean()


def main():
    rs = np.random.RandomState(2004)
    h, w = 20, 24
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 60 * np.sin(xx / 3.0), 100 + 4 * yy, 90 + 50 * np.cos((xx + yy) / 5.0)], axis=-1)
    a = np.clip(np.round(base), 0, 255).astype(np.uint8)
    cases = []
    for name, sigma in [("light noise", 5.0), ("heavy noise", 40.0)]:
        b = np.clip(np.round(base + rs.normal(0, sigma, base.shape)), 0, 255).astype(np.uint8)
        af, bf = a.astype(np.float64), b.astype(np.float64)
        mse = ((af - bf) ** 2).mean()
        ssim = np.mean([ssim_channel(af[..., c], bf[..., c]) for c in range(3)])
        cases.append({"name": name, "b": b.reshape(-1).tolist(), "psnr": 10 * np.log10(255 ** 2 / mse), "ssim": float(ssim)})
    out = {"about": __doc__.strip().splitlines()[0], "width": w, "height": h, "a": a.reshape(-1).tolist(), "cases": cases}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality-golden.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
