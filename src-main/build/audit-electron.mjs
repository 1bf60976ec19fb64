#!/usr/bin/env node
/**
 * Security audit of the Electron code with Doyensec's Electronegativity
 * (https://github.com/doyensec/electronegativity): its checks run over the TypeScript sources of
 * src-main/app and src-main/preload (its Babel parser reads TypeScript, so no build is needed and
 * findings point at source lines), every finding is listed,
 * and the exit status is 1 when any finding is HIGH or when a file could not be parsed (an unread
 * file is an unchecked file). Part of `npm run check`.
 *
 * A false positive is silenced beside the code with the tool's own `// eng-disable CHECK_ID`
 * comment on the reported line, plus a comment saying why (see src-main/app/main.ts).
 *
 * Offline: the tool fetches translations from GitHub at start and, in one check, the list of Electron
 * releases. That check (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) is excluded — the Electron version is
 * pinned in package.json and updated through npm — and its HTTP client is replaced by one that
 * fails at once, so the tool falls back to its bundled English texts without touching the network.
 *
 * Usage: node src-main/build/audit-electron.mjs [--json]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AUDITED_DIRS = ['src-main/app', 'src-main/preload'];
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

/** Loads Electronegativity's runner with its HTTP client stubbed out (no network in CI). */
function loadRunner() {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const toolDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const toolRequire = createRequire(path.join(toolDir, 'dist', 'locales', 'i18n.js'));
  const gotPath = toolRequire.resolve('got');
  const offline = () => Promise.reject(new Error('offline: Reverie audits without network access'));
  toolRequire.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline, children: [], paths: [] };
  const runner = require('@doyensec/electronegativity');
  return { run: runner.default ?? runner, toolVersion: JSON.parse(readFileSync(path.join(toolDir, 'package.json'), 'utf8')).version };
}

function electronVersion() {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    return String(pkg.devDependencies?.electron ?? '').replace(/^[\^~]/, '');
  }
}

/**
 * Runs the checks once over the audited folders together (the global checks — CSP, navigation
 * limits, permission handler — look at the whole app, so the folders are copied side by side into
 * a temporary folder); returns every finding and every file the tool could not read.
 */
export async function auditElectron(dirs = AUDITED_DIRS) {
  const { run, toolVersion } = loadRunner();
  const version = electronVersion();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'reverie-audit-'));
  try {
    for (const dir of dirs) cpSync(path.join(ROOT, dir), path.join(scratch, dir), { recursive: true });
    const result = await run({
      input: scratch,
      isRelative: true,
      excludeFromScan: EXCLUDED_CHECKS,
      electronVersionOverride: version,
      parserPlugins: [],
    });
    const findings = result.issues.map((issue) => ({
      id: issue.id,
      severity: issue.severity.name,
      confidence: issue.confidence.name,
      manualReview: Boolean(issue.manualReview),
      file: issue.file,
      line: issue.location.line,
      column: issue.location.column,
      sample: issue.sample ?? '',
      url: issue.shortenedURL,
    }));
    const errors = result.errors.map((e) => ({ file: path.relative(scratch, e.file), message: e.message, tolerable: e.tolerable }));
    return { toolVersion, electronVersion: version, findings, errors };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const FAILING_SEVERITIES = new Set(['HIGH', 'CRITICAL']);

export function failures(report) {
  return {
    high: report.findings.filter((f) => FAILING_SEVERITIES.has(f.severity)),
    unparsed: report.errors.filter((e) => !e.tolerable),
  };
}

async function main() {
  const json = process.argv.includes('--json');
  const log = console.log;
  // the tool prints progress notes ("Could not retrieve updated translations…"); keep the output ours
  console.log = () => {};
  let report;
  try {
    report = await auditElectron();
  } finally {
    console.log = log;
  }
  const { high, unparsed } = failures(report);
  if (json) log(JSON.stringify(report, null, 2));
  else {
    log(`Electronegativity ${report.toolVersion} over ${AUDITED_DIRS.join(', ')} (Electron ${report.electronVersion}): ${report.findings.length} finding(s), ${high.length} high`);
    for (const f of report.findings) {
      log(`  ${f.severity.padEnd(13)} ${f.confidence.padEnd(9)} ${f.id}${f.manualReview ? ' (review)' : ''}  ${f.file}:${f.line}:${f.column}  ${f.url}`);
    }
    for (const e of report.errors) log(`  ${e.tolerable ? 'warning' : 'ERROR'}: could not parse ${e.file}: ${e.message}`);
  }
  if (high.length > 0 || unparsed.length > 0) {
    console.error(`audit:electron failed: ${high.length} high finding(s), ${unparsed.length} file(s) not parsed. ` +
      'Fix the code, or for a false positive add `// eng-disable <CHECK_ID>` on the reported line with a comment saying why.');
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`audit:electron could not run: ${err?.stack ?? err}`);
    process.exit(2);
  });
}
