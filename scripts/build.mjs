// Builds dist/ (tsc -p tsconfig.build.json) and records what it was built from; with
// --if-stale (`npm start`, `npm run cli`), builds only when that changed. Even a no-op
// incremental tsc run costs 2-3 s (it loads the compiler and checks every file); this check
// costs a few milliseconds.
//
// "What it was built from": the SHA-256 of every file tsc compiles (src/ but the specs, and
// ormconfig.ts), of the two tsconfigs, and of package.json and package-lock.json (a dependency,
// TypeScript included, changes the output). Contents, not modification times: a checkout or a
// copy that keeps the content keeps the build, and a fresh clone (no dist/) builds. The record
// (dist/.build-inputs) is written after a successful build only, and the entry points must
// exist too.
//
//   node scripts/build.mjs              build, always (npm run build)
//   node scripts/build.mjs --if-stale   build if an input changed or dist/ is incomplete

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORD = join(ROOT, 'dist/.build-inputs');
const FILES = [
  'ormconfig.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];
const OUTPUTS = ['dist/src/main.js', 'dist/src/cli/main.js', 'dist/ormconfig.js'];

/** Every file under `dir`, sorted, but the unit specs (tsconfig.build.json excludes them). */
function sourcesUnder(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...sourcesUnder(path));
    } else if (!entry.name.endsWith('.spec.ts')) {
      found.push(path);
    }
  }
  return found;
}

function fingerprint() {
  const hash = createHash('sha256');
  const files = [...FILES.map((file) => join(ROOT, file)), ...sourcesUnder(join(ROOT, 'src'))];
  for (const file of files.sort()) {
    hash.update(relative(ROOT, file)).update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : '<absent>').update('\0');
  }
  return hash.digest('hex');
}

function current(inputs) {
  return (
    OUTPUTS.every((file) => existsSync(join(ROOT, file))) &&
    existsSync(RECORD) &&
    readFileSync(RECORD, 'utf8').trim() === inputs
  );
}

const inputs = fingerprint();
if (process.argv.includes('--if-stale') && current(inputs)) {
  process.exit(0);
}
const tsc = spawnSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
  { cwd: ROOT, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  process.exit(tsc.status ?? 1);
}
mkdirSync(dirname(RECORD), { recursive: true });
// The inputs as they were before tsc read them: an edit made during the build builds again.
writeFileSync(RECORD, `${inputs}\n`);
