/** `reverie models` and `reverie samplers`: what is installed and what can be chosen. */
import { scanModelFolders } from '../engine/models/folder.ts';
import { SAMPLERS } from '../engine/samplers/registry.ts';
import { SCHEDULES } from '../engine/schedules/index.ts';
import { modelRoots } from './model-roots.ts';
import { noPositionals, parse } from './usage.ts';
import type { Io } from './usage.ts';

export const MODELS_HELP = `usage: reverie models [--json]

Lists the model folders in the repository's models/ and in the user models folder
(REVERIE_DATA_DIR/models or the platform data folder), each with its validation result.`;

export const SAMPLERS_HELP = `usage: reverie samplers [--json]

Lists the samplers (id, A1111 label, model calls per step, stochastic) and the schedules.`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

export async function models(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('models', args, { json: { type: 'boolean' } } as const);
  if (values.help) {
    io.stdout.write(`${MODELS_HELP}\n`);
    return 0;
  }
  noPositionals('models', positionals);
  const roots = modelRoots(io.env);
  const reports = await scanModelFolders(roots);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ roots, models: reports })}\n`);
    return 0;
  }
  io.stdout.write(`looked in: ${roots.join(', ')}\n`);
  if (reports.length === 0) {
    io.stdout.write('no model folders found\n');
    return 0;
  }
  const rows = [['NAME', 'FAMILY', 'STATUS', 'PATH'], ...reports.map((r) => [r.name, r.family ?? '-', r.valid ? 'ok' : 'invalid', r.path])];
  io.stdout.write(`${table(rows)}\n`);
  for (const r of reports.filter((x) => x.problems.length > 0)) {
    for (const p of r.problems) io.stdout.write(`  ${r.name}: ${p}\n`);
  }
  return 0;
}

export function samplers(args: readonly string[], io: Io): number {
  const { values, positionals } = parse('samplers', args, { json: { type: 'boolean' } } as const);
  if (values.help) {
    io.stdout.write(`${SAMPLERS_HELP}\n`);
    return 0;
  }
  noPositionals('samplers', positionals);
  if (values.json) {
    const list = SAMPLERS.map(({ id, label, aliases, stochastic, modelCallsPerStep, defaults, description }) => ({ id, label, aliases, stochastic, modelCallsPerStep, defaults, description }));
    io.stdout.write(`${JSON.stringify({ samplers: list, schedules: SCHEDULES })}\n`);
    return 0;
  }
  const rows = [['ID', 'LABEL', 'CALLS/STEP', 'NOISE', 'DESCRIPTION'], ...SAMPLERS.map((s) => [s.id, s.label, String(s.modelCallsPerStep), s.stochastic ? 'yes' : 'no', s.description])];
  io.stdout.write(`${table(rows)}\n\n`);
  io.stdout.write(`${table([['SCHEDULE', 'LABEL', 'DESCRIPTION'], ...SCHEDULES.map((s) => [s.id, s.label, s.description])])}\n`);
  return 0;
}
