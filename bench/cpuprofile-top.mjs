// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=dir npm run bench):
// top functions by self time, self time per package, and inclusive time of the heaviest frames.
//
//   node bench/cpuprofile-top.mjs <file.cpuprofile> [topN=30] [skipSeconds=0]
//
// skipSeconds drops the first seconds of samples (server start-up) from the summary.

import { readFileSync } from 'node:fs';

const [file, topArg = '30', skipArg = '0'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpuprofile-top.mjs <file.cpuprofile> [topN] [skipSeconds]');
  process.exit(2);
}
const top = Number(topArg);
const skipUs = Number(skipArg) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) {
    parent.set(child, node.id);
  }
}

// Self time per node id from samples and timeDeltas.
const self = new Map();
let t = profile.startTime;
let total = 0;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (t - profile.startTime < skipUs) {
    return;
  }
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');
const frameKey = (cf) =>
  `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
const packageOf = (cf) => {
  const url = cf.url;
  if (!url) {
    return cf.functionName.startsWith('(') ? cf.functionName : '(native/builtin)';
  }
  if (url.startsWith('node:')) {
    return 'node:internal';
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    return m[1];
  }
  if (url.includes('/dist/')) {
    return 'gatehouse (dist)';
  }
  if (url.includes('/bench/')) {
    return 'bench';
  }
  return url;
};

const selfByFrame = new Map();
const selfByPackage = new Map();
const inclusive = new Map();
for (const [id, us] of self) {
  const node = byId.get(id);
  const key = frameKey(node.callFrame);
  selfByFrame.set(key, (selfByFrame.get(key) ?? 0) + us);
  const pkg = packageOf(node.callFrame);
  selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + us);
  // Inclusive: each distinct frame on the stack once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = frameKey(byId.get(cur).callFrame);
    if (!seen.has(k)) {
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${pct(us)} ${ms(us)}  ${key}`);
  }
};

console.log(
  `${file}: ${(total / 1e6).toFixed(2)} s of samples${skipUs ? ` (first ${skipArg}s skipped)` : ''}`,
);
print('self time by package', selfByPackage, 20);
print(`top ${top} functions by self time`, selfByFrame, top);
print(`top ${top} frames by inclusive time`, inclusive, top);
