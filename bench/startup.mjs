// Start-up times (issue 15): `npm start` until the server answers, the server process alone,
// and `npm run cli -- ...` commands, with the build current; and, for comparison, the scripts as
// they were (`npm run -s build && ...`: tsc on every call). Each is run BENCH_ROUNDS times
// (default 5) on a fresh SQLite database under a temp DATA_DIR, one after another; the table
// shows medians of the wall time and of the CPU time (user + system, the process and its
// children, from /usr/bin/time), which other load on the machine inflates far less.
//
//   node bench/startup.mjs              after a build (npm run build)
//   BENCH_ROUNDS=3 BENCH_OLD=0 node bench/startup.mjs   without the old-script rows
//   BENCH_OLD=only node bench/startup.mjs                only them
//
// Loopback only; every child is bounded by a timeout (300 s: tsc on a busy machine is slow).

/* global fetch, performance -- Node's built-in web APIs (eslint.config.js declares only a few globals) */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { num } from './support/load.mjs';
import { freePort, ROOT, run } from './support/processes.mjs';
import { fmt, median } from './support/report.mjs';

const ROUNDS = num('BENCH_ROUNDS', 5);
const OLD = process.env.BENCH_OLD ?? '1';
const TIME = '/usr/bin/time';

function freshEnv() {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  return {
    dataDir,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
  };
}

/** Runs `sh -c command` to completion: wall ms and CPU ms (user + system, with children). */
function timed(command, env) {
  const started = performance.now();
  const result = spawnSync(TIME, ['-f', 'CPU %U %S', 'sh', '-c', command], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const wall = performance.now() - started;
  const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  if (result.status !== 0 || !cpu) {
    throw new Error(`${command} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { wallMs: wall, cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 };
}

/** Starts `sh -c command` (a server) and times it until /health/live answers; then stops it. */
async function timedStart(command, env) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('sh', ['-c', command], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', ISSUER: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    for (;;) {
      if (performance.now() - started > 300_000 || child.exitCode !== null) {
        throw new Error(`${command} did not get ready:\n${stderr}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health/live`);
        await response.arrayBuffer();
        if (response.ok) {
          break;
        }
      } catch {
        // not yet
      }
      await sleep(10);
    }
    const wallMs = performance.now() - started;
    // CPU so far of the whole group (npm, sh, node): from /proc, before it stops.
    return { wallMs, cpuMs: groupCpuMs(child.pid) };
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone
    }
    await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
  }
}

const CLK_TCK = Number(run('getconf', ['CLK_TCK']).trim()) || 100;

/** CPU ms of every live process in the process group `pgid` (utime + stime + waited-for children). */
function groupCpuMs(pgid) {
  let ticks = 0;
  for (const pid of run('ps', ['-o', 'pid=', '-g', String(pgid)])
    .split('\n')
    .filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${pid.trim()}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited meanwhile
    }
  }
  return (ticks / CLK_TCK) * 1000;
}

const SERVER = 'node --max-old-space-size=128 dist/src/main.js';
const NEW_CASES = [
  { name: 'npm start, until /health/live answers', start: 'npm start' },
  { name: 'the server process alone (node dist/src/main.js)', start: SERVER },
  { name: 'npm run cli -- --help', run: 'npm run -s cli -- --help' },
  { name: 'npm run cli -- clients:list', run: 'npm run -s cli -- clients:list', migrated: true },
  {
    name: 'node dist/src/cli/main.js clients:list',
    run: 'node dist/src/cli/main.js clients:list',
    migrated: true,
  },
];
const OLD_CASES = [
  { name: 'old npm start (tsc first)', start: `npm run -s build && ${SERVER}` },
  {
    name: 'old npm run cli -- --help (tsc first)',
    run: 'npm run -s build && node dist/src/cli/main.js --help',
  },
];
const CASES = [...(OLD === 'only' ? [] : NEW_CASES), ...(OLD === '0' ? [] : OLD_CASES)];

async function main() {
  run(process.execPath, ['scripts/build.mjs', '--if-stale']);
  const rows = [];
  for (const c of CASES) {
    const samples = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { dataDir, env } = freshEnv();
      try {
        if (c.migrated) {
          run(process.execPath, ['dist/src/cli/main.js', 'clients:list'], { ...env });
        }
        samples.push(c.start ? await timedStart(c.start, env) : timed(c.run, env));
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const row = {
      name: c.name,
      wallMs: median(samples.map((s) => s.wallMs)),
      cpuMs: median(samples.map((s) => s.cpuMs)),
      load1: loadavg()[0],
    };
    rows.push(row);
    console.log(
      `${row.name.padEnd(52)} ${fmt(row.wallMs).padStart(6)} ms wall  ${fmt(row.cpuMs).padStart(6)} ms CPU  (load ${row.load1.toFixed(2)})`,
    );
  }
  console.log(`uptime: ${run('uptime', []).trim()}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
