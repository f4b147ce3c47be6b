// Child processes for the benchmark: spawned pinned to a CPU, tracked, and killed on every way
// out (normal exit, error, signal); plus what /proc says about their CPU time and memory.

/* global fetch -- Node's built-in web API (eslint.config.js declares only a few globals) */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const children = new Set();
export const tempDirs = new Set();

export function cleanupSync() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
  children.clear();
  for (const dir of tempDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
  tempDirs.clear();
}
/** Spawns `node args` pinned to `cpu`; keeps the last output for error messages. */
export function spawnServer(label, args, env, { cpu, cpuProfDir } = {}) {
  const nodeArgs = [...args];
  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true });
    nodeArgs.unshift(
      '--cpu-prof',
      `--cpu-prof-dir=${cpuProfDir}`,
      `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`,
    );
  }
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...nodeArgs], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.output = '';
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  child.label = label;
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopServer(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function run(cmd, args, env) {
  return execFileSync(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${child.label} exited (${child.exitCode ?? child.signalCode}) before listening:\n${child.output}`,
      );
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.label} did not answer ${url} within ${timeoutMs} ms:\n${child.output}`);
}

const CLK_TCK = Number(run('getconf', ['CLK_TCK']).trim()) || 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
}

/** Busy and total jiffies of one CPU (from /proc/stat), to see what else ran on it. */
export function cpuTimesOf(cpu) {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / CLK_TCK, total: (busy + idle + iowait) / CLK_TCK };
}

export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/**
 * Kills every child and removes the temp dirs on any way out: normal exit, error, or a signal
 * (exit code 130). Call once, first thing.
 */
export function installCleanup() {
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping servers`);
      cleanupSync();
      process.exit(130);
    });
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL), within about 5 s in all. */
export async function stopAllChildren() {
  const stops = [...children].map((child) => stopServer(child, 3000));
  await Promise.race([Promise.all(stops), sleep(5000)]);
  cleanupSync();
}

/**
 * Waits for the line `BENCH_READY <json>` on the child's stdout (printed once it listens) and
 * returns the parsed JSON.
 */
export function waitForReadyLine(child, timeoutMs = 30_000) {
  return new Promise((done, fail) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const line = /^BENCH_READY (.*)$/m.exec(buffer);
      if (line) {
        finish();
        done(JSON.parse(line[1]));
      }
    };
    const onExit = (code, signal) => {
      finish();
      fail(
        new Error(
          `${child.label} exited (${code ?? signal}) before it was ready:\n${child.output}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      finish();
      fail(new Error(`${child.label} was not ready within ${timeoutMs} ms:\n${child.output}`));
    }, timeoutMs);
    function finish() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The node flags of package.json's start script (`... node <flags> dist/src/main.js`). */
export function gatehouseStartFlags() {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const match = /node((?: --\S+)*) dist\/src\/main\.js/.exec(scripts.start);
  if (!match) {
    throw new Error('package.json start script no longer runs `node [flags] dist/src/main.js`');
  }
  return match[1].split(' ').filter(Boolean);
}

/**
 * A hard bound on the whole run: after `seconds`, kill the children and exit 1, whatever is
 * still waiting. Every load is already bounded; this also covers a set-up step that hangs.
 */
export function installWatchdog(seconds) {
  setTimeout(() => {
    console.error(`\nbench: still running after ${Math.round(seconds)} s (watchdog), giving up`);
    cleanupSync();
    process.exit(1);
  }, seconds * 1000).unref();
}
