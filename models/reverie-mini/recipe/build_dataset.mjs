#!/usr/bin/env node
// Data builder for reverie-mini: fetches the pinned npm packages (`npm pack name@version`), checks their
// integrity against sources.json, joins the artwork with emojibase captions and renders every sprite with
// sharp to a fixed-size RGBA raster.
//
// Packages go to <--work>/pkgs (default recipe/work). Output (--data, default <--work>/data): sprites_<set>.u8 (N × S × S × 4 raw RGBA) and
// sprites.json ({ size, sets: { <set>: [{ hex, label, tags, group, subgroup, tone }] } }).
// Composition into captioned scenes (backgrounds, sizes, positions, pairs) happens in recipe/data.py.
//
// Usage: node recipe/build_dataset.mjs [--work DIR] [--data DIR] [--size 256] [--sets 3d,flat,noto] [--limit N]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = path.resolve(here, '..');
// sharp is a dependency of the repository (node_modules at the repo root).
const require = createRequire(path.resolve(modelDir, '..', '..', 'package.json'));
const sharp = require('sharp');

function parseArgs(argv) {
  const out = { work: path.join(here, 'work'), data: '', size: 256, sets: ['3d', 'flat', 'noto'], limit: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`build_dataset: option ${key} needs a value`);
    if (key === '--work') out.work = path.resolve(value);
    else if (key === '--data') out.data = path.resolve(value);
    else if (key === '--size') out.size = Number(value);
    else if (key === '--sets') out.sets = value.split(',').filter(Boolean);
    else if (key === '--limit') out.limit = Number(value);
    else throw new Error(`build_dataset: unknown option ${key}; expected --work, --data, --size, --sets, --limit`);
  }
  if (!Number.isInteger(out.size) || out.size < 16) throw new Error(`build_dataset: --size must be an integer ≥ 16, got ${out.size}`);
  return out;
}

const sources = JSON.parse(fs.readFileSync(path.join(modelDir, 'sources.json'), 'utf8'));

/** npm pack the exact version into pkgDir, verify its sha512 integrity, extract it; returns the package root. */
function fetchPackage(pkgDir, src) {
  const base = `${src.name.replace(/^@/, '').replace('/', '-')}-${src.version}.tgz`;
  const tgz = path.join(pkgDir, base);
  if (!fs.existsSync(tgz)) {
    console.log(`fetching ${src.name}@${src.version}`);
    execFileSync('npm', ['pack', `${src.name}@${src.version}`, '--silent'], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const digest = 'sha512-' + createHash('sha512').update(fs.readFileSync(tgz)).digest('base64');
  if (digest !== src.integrity) {
    throw new Error(`${base}: integrity ${digest} does not match sources.json (${src.integrity}); delete the file and rerun, or update sources.json deliberately`);
  }
  const dest = path.join(pkgDir, base.replace(/\.tgz$/, ''));
  if (!fs.existsSync(path.join(dest, 'package', 'package.json'))) {
    fs.mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['xzf', tgz, '-C', dest]);
  }
  return path.join(dest, 'package');
}

/** Code-point key shared by all sets: lower-case, dash-separated, without variation selector FE0F. */
const normHex = (hex) => hex.toLowerCase().split(/[-_]/).filter((p) => p !== 'fe0f').join('-');

function loadCaptions(emojibaseRoot) {
  const data = JSON.parse(fs.readFileSync(path.join(emojibaseRoot, 'en', 'data.json'), 'utf8'));
  const map = new Map();
  for (const e of data) {
    if (e.group === undefined || e.group === 2) continue; // components (skin tone swatches, hair styles)
    const base = { label: e.label, tags: e.tags ?? [], group: e.group, subgroup: e.subgroup, tone: 0 };
    map.set(normHex(e.hexcode), { ...base, hex: e.hexcode });
    for (const s of e.skins ?? []) {
      if (Array.isArray(s.tone)) continue; // mixed-tone couples: too rare to caption usefully
      map.set(normHex(s.hexcode), { ...base, hex: s.hexcode, tone: s.tone ?? 0 });
    }
  }
  return map;
}

const TONES = ['', 'light skin tone', 'medium-light skin tone', 'medium skin tone', 'medium-dark skin tone', 'dark skin tone'];

async function renderSet(name, items, size, outFile) {
  const fd = fs.openSync(outFile, 'w');
  const kept = [];
  try {
    for (const item of items) {
      let pipeline = item.svg !== undefined ? sharp(Buffer.from(item.svg), { density: 72 * 8 }) : sharp(item.file);
      pipeline = pipeline.resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } }).ensureAlpha();
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      if (info.width !== size || info.height !== size || info.channels !== 4) {
        throw new Error(`${name}/${item.meta.hex}: rendered ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x4`);
      }
      fs.writeSync(fd, data);
      kept.push({ ...item.meta, tone_label: TONES[item.meta.tone] ?? '' });
    }
  } finally {
    fs.closeSync(fd);
  }
  console.log(`${name}: rendered ${kept.length} sprites at ${size}x${size}`);
  return kept;
}

function iconifyItems(root, captions, size, limit) {
  const icons = JSON.parse(fs.readFileSync(path.join(root, 'icons.json'), 'utf8'));
  const chars = JSON.parse(fs.readFileSync(path.join(root, 'chars.json'), 'utf8'));
  const w = icons.width ?? 16;
  const h = icons.height ?? 16;
  const items = [];
  for (const [cp, name] of Object.entries(chars)) {
    const meta = captions.get(normHex(cp));
    if (meta === undefined || meta.tone !== 0) continue; // base glyphs only: the 3D set carries the skin tones
    let icon = icons.icons[name];
    let flip = false;
    const alias = icons.aliases?.[name];
    if (icon === undefined && alias !== undefined) {
      icon = icons.icons[alias.parent];
      flip = alias.hFlip === true;
    }
    if (icon === undefined) continue;
    const iw = icon.width ?? w;
    const ih = icon.height ?? h;
    const body = flip ? `<g transform="translate(${iw} 0) scale(-1 1)">${icon.body}</g>` : icon.body;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${icon.left ?? 0} ${icon.top ?? 0} ${iw} ${ih}" width="${size}" height="${size}">${body}</svg>`;
    items.push({ svg, meta });
  }
  items.sort((a, b) => (a.meta.hex < b.meta.hex ? -1 : 1));
  return limit > 0 ? items.slice(0, limit) : items;
}

async function main() {
  const args = parseArgs(process.argv);
  const pkgDir = path.join(args.work, 'pkgs');
  const dataDir = args.data || path.join(args.work, 'data');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const byId = Object.fromEntries(sources.packages.map((s) => [s.id, s]));
  const captions = loadCaptions(fetchPackage(pkgDir, byId.emojibase));
  const out = { size: args.size, sets: {} };
  for (const set of args.sets) {
    let items;
    if (set === '3d') {
      const root = fetchPackage(pkgDir, byId['fluent-3d']);
      const files = fs.readdirSync(path.join(root, 'assets')).filter((f) => f.endsWith('.webp')).sort();
      items = [];
      for (const f of files) {
        const meta = captions.get(normHex(f.replace(/\.webp$/, '')));
        if (meta !== undefined) items.push({ file: path.join(root, 'assets', f), meta });
      }
      console.log(`3d: ${files.length} files, ${items.length} with emojibase captions`);
      if (args.limit > 0) items = items.slice(0, args.limit);
    } else if (set === 'flat') {
      items = iconifyItems(fetchPackage(pkgDir, byId['fluent-flat']), captions, args.size, args.limit);
    } else if (set === 'noto') {
      items = iconifyItems(fetchPackage(pkgDir, byId.noto), captions, args.size, args.limit);
    } else {
      throw new Error(`build_dataset: unknown set ${set}; expected 3d, flat or noto`);
    }
    out.sets[set] = await renderSet(set, items, args.size, path.join(dataDir, `sprites_${set}.u8`));
  }
  fs.writeFileSync(path.join(dataDir, 'sprites.json'), JSON.stringify(out));
  console.log(`wrote ${path.join(dataDir, 'sprites.json')}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
