// Summaries of the benchmark runs: medians per server x scenario, the Gatehouse/baseline
// ratios per round, the table, and the JSON file.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ROOT, run } from './processes.mjs';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
export const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function summarise(runs, servers, scenarios) {
  const cells = [];
  for (const server of servers) {
    for (const scenarioName of scenarios) {
      const mine = runs.filter((r) => r.server === server && r.scenario === scenarioName);
      if (!mine.length) {
        continue;
      }
      const sum = (key) => mine.reduce((total, r) => total + r[key], 0);
      cells.push({
        server,
        scenario: scenarioName,
        rounds: mine.length,
        rps: median(mine.map((r) => r.rps)),
        rpsRounds: mine.map((r) => Math.round(r.rps)),
        p50Ms: median(mine.map((r) => r.latencyMs.p50)),
        p99Ms: median(mine.map((r) => r.latencyMs.p99)),
        reqPerCpuSecond: median(mine.map((r) => r.reqPerCpuSecond)),
        otherLoadOnServerCpu: Math.max(...mine.map((r) => r.otherLoadOnServerCpu)),
        requests: sum('requests'),
        non2xx: sum('non2xx'),
        badBodies: sum('badBodies'),
        errors: sum('errors') + sum('timeouts'),
        rssMb: mine.at(-1).rssMb,
        hwmMb: Math.max(...mine.map((r) => r.hwmMb)),
      });
    }
  }
  return cells;
}

export function printTable(cells) {
  const header = [
    'server',
    'scenario',
    'req/s',
    'rounds',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'RSS MB',
    'peak MB',
    'req/CPU-s',
    'other',
  ];
  const lines = cells.map((c) => [
    c.server,
    c.scenario,
    fmt(c.rps),
    c.rpsRounds.join('/'),
    fmt(c.p50Ms, 1),
    fmt(c.p99Ms, 1),
    String(c.non2xx + c.badBodies),
    String(c.errors),
    fmt(c.rssMb, 1),
    fmt(c.hwmMb, 1),
    fmt(c.reqPerCpuSecond),
    `${fmt(c.otherLoadOnServerCpu * 100)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells_) =>
    cells_.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${row(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const l of lines) {
    console.log(row(l));
  }
  console.log(
    'req/s, p50, p99, req/CPU-s: median over rounds; RSS: after the last run; peak: VmHWM (since start);\n' +
      "other: the largest share of the servers' CPU used by other processes during a run",
  );
}

/**
 * Gatehouse/baseline per round (both measured back to back), then the median. Runs are told
 * apart by `r[key]`: by default `server` is 'gatehouse' or 'standalone'.
 */
export function ratiosOf(
  runs,
  scenarios,
  rounds,
  { key = 'server', subject = 'gatehouse', baseline = 'standalone' } = {},
) {
  const ratios = {};
  for (const name of scenarios) {
    const perRound = [];
    for (let round = 1; round <= rounds; round++) {
      const g = runs.find((r) => r[key] === subject && r.scenario === name && r.round === round);
      const s = runs.find((r) => r[key] === baseline && r.scenario === name && r.round === round);
      if (g && s) {
        perRound.push({
          rps: g.rps / s.rps,
          reqPerCpuSecond: g.reqPerCpuSecond / s.reqPerCpuSecond,
          p99: g.latencyMs.p99 / s.latencyMs.p99,
        });
      }
    }
    if (perRound.length) {
      ratios[name] = {
        rps: median(perRound.map((r) => r.rps)),
        rpsRounds: perRound.map((r) => Number(r.rps.toFixed(3))),
        reqPerCpuSecond: median(perRound.map((r) => r.reqPerCpuSecond)),
        p99: median(perRound.map((r) => r.p99)),
      };
    }
  }
  return ratios;
}

/** JSON as the repository's Prettier would write it, so `npm run lint` stays green. */
export async function formatJson(value, file) {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    return text;
  }
}

export function gitCommit() {
  try {
    return run('git', ['rev-parse', '--short', 'HEAD']).trim();
  } catch {
    return undefined;
  }
}

/** bench/results/<name>-<YYYY-MM-DD>.json (one per day), or BENCH_OUT. */
export function resultsFile(name) {
  const date = new Date().toISOString().slice(0, 10);
  return process.env.BENCH_OUT
    ? resolve(process.env.BENCH_OUT)
    : join(ROOT, 'bench/results', `${name}-${date}.json`);
}

/** What a result was measured on: date, commit, Node, oidc-provider, CPU. */
export function environment() {
  const oidcProvider = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/oidc-provider/package.json'), 'utf8'),
  ).version;
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    oidcProvider,
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
  };
}

export async function writeResults(file, report) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await formatJson(report, file));
  console.log(`\nresults: ${file}`);
}

/** Runs another process disturbed, and runs with anything but checked 2xx responses. */
export function printWarnings(runs, serverCpu) {
  const busy = runs.filter((r) => r.otherLoadOnServerCpu > 0.1);
  if (busy.length) {
    console.log(
      `WARNING: other processes used >10% of CPU ${serverCpu} during ${busy.length} run(s): req/s is understated there; ` +
        'compare req/CPU-s, or rerun on a quiet machine',
    );
  }
  for (const r of runs.filter((x) => x.non2xx || x.errors || x.timeouts || x.badBodies)) {
    console.log(
      `WARNING ${r.server} ${r.scenario} round ${r.round}: non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}, ` +
        `bad bodies ${r.badBodies}, status codes ${JSON.stringify(r.statusCodes)}` +
        (r.failure ? `; first failure: ${r.failure}` : ''),
    );
  }
}
