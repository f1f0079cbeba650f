#!/usr/bin/env node
// sarif-check.js FILE.sarif...: validates SARIF logs with Microsoft's SARIF
// Multitool (the npm package pinned in package-lock.json) using its SARIF
// rules and GitHub's (validate --rule-kind "Gh;Sarif"), prints one line per
// file and exits 1 when any file has an error. The Multitool itself exits 0
// whatever it finds, so this reads its output log.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node sarif-check.js FILE.sarif...');
  process.exit(2);
}
const pkg = '@microsoft/sarif-multitool-' + process.platform;
let tool;
try {
  tool = path.join(path.dirname(require.resolve(pkg + '/package.json')), process.platform === 'win32' ? 'Sarif.Multitool.exe' : 'Sarif.Multitool');
} catch (e) {
  console.error(`sarif-check: ${pkg} is not installed: run npm ci in tools/validators`);
  process.exit(2);
}
// npm may not run the package's postinstall (chmod u+x).
try { fs.chmodSync(tool, 0o755); } catch (e) { /* read-only install: try as it is */ }

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sarif-check-')), 'validation.sarif');
const args = ['validate', '--rule-kind', 'Gh;Sarif', '--level', 'Error;Warning', '--log', 'ForceOverwrite', '-o', out, ...files];
// The validator needs no culture data; invariant mode spares libicu.
const env = { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' };
const run = spawnSync(tool, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
if (run.error || run.status !== 0 || !fs.existsSync(out)) {
  console.error(`sarif-check: ${tool} failed (exit ${run.status}):`, run.error || '', run.stdout, run.stderr);
  process.exit(2);
}
const log = JSON.parse(fs.readFileSync(out, 'utf8'));
const version = String(log.runs[0].tool.driver.semanticVersion || log.runs[0].tool.driver.version).split('+')[0];
const byFile = new Map(files.map((f) => [path.resolve(f), { errors: [], warnings: 0 }]));
for (const r of log.runs[0].results || []) {
  const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri || '';
  const file = uri.startsWith('file:') ? decodeURIComponent(new URL(uri).pathname) : path.resolve(uri);
  let entry = byFile.get(file);
  if (!entry) {
    // A result the validator could not tie to one of the inputs counts
    // against the run as a whole.
    entry = byFile.get('(unattributed)') || { errors: [], warnings: 0 };
    byFile.set('(unattributed)', entry);
  }
  const level = r.level || 'warning';
  if (level === 'error') {
    const m = r.message || {};
    entry.errors.push(`${r.ruleId}: ${m.text || [m.id, ...(m.arguments || [])].filter(Boolean).join(' ')}`);
  } else if (level === 'warning') {
    entry.warnings++;
  }
}
let failed = false;
for (const f of files) {
  const e = byFile.get(path.resolve(f));
  if (e.errors.length > 0) {
    failed = true;
    console.log(`FAIL ${f}: ${e.errors.length} errors, ${e.warnings} warnings (SARIF Multitool ${version}, Gh;Sarif)`);
    for (const m of e.errors.slice(0, 20)) console.log('  ' + m);
  } else {
    console.log(`ok ${f}: 0 errors, ${e.warnings} warnings (SARIF Multitool ${version}, Gh;Sarif)`);
  }
}
const other = byFile.get('(unattributed)');
if (other && other.errors.length > 0) {
  failed = true;
  console.log(`FAIL: ${other.errors.length} errors not tied to an input file`);
  for (const m of other.errors.slice(0, 20)) console.log('  ' + m);
}
process.exit(failed ? 1 : 0);
