// Load generation for the benchmarks: the environment knobs, one autocannon run with every
// response checked, and a measured run with what it cost the server (its CPU seconds, what else
// ran on its core, its RSS and VmHWM), as one record per server x scenario x round.

import autocannon from 'autocannon';
import { cpuSecondsOf, cpuTimesOf, memoryOf } from './processes.mjs';

/** A positive number from the environment (BENCH_DURATION=6 ...). */
export const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number`);
  }
  return value;
};

/** A comma-separated list from the environment (BENCH_SCENARIOS=a,b ...). */
export const list = (name, fallback) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * One autocannon run, bounded by `duration` seconds. `bodies`: one request body, or several to
 * cycle through. `verifyBody(text)`: every response body must pass it (a failure counts as a
 * mismatch). `stopOnFailure`: end the run at the first non-2xx, error, timeout or bad body; the
 * result's `failure` then says what it was.
 */
export function cannon({
  url,
  method = 'GET',
  headers = {},
  bodies = [],
  connections,
  duration,
  verifyBody,
  stopOnFailure = false,
}) {
  let next = 0;
  const instance = autocannon({
    url,
    method,
    connections,
    pipelining: 1,
    duration,
    timeout: 10,
    headers,
    ...(bodies.length ? { body: bodies[0] } : {}),
    ...(bodies.length > 1
      ? {
          requests: [
            { setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) },
          ],
        }
      : {}),
    ...(verifyBody ? { verifyBody } : {}),
  });
  const perSecond = [];
  instance.on('tick', ({ counter }) => perSecond.push(counter));
  let failure;
  if (stopOnFailure) {
    const fail = (what) => {
      if (!failure) {
        failure = what;
        instance.stop();
      }
    };
    instance.on('response', (_client, statusCode) => {
      if (statusCode < 200 || statusCode > 299) {
        fail(`HTTP ${statusCode}`);
      }
    });
    instance.on('reqMismatch', (body) => fail(`unexpected body: ${String(body).slice(0, 500)}`));
    instance.on('reqError', (error) => fail(`request failed: ${error?.message ?? error}`));
  }
  return instance.then((result) => ({ ...result, perSecond, failure }));
}

/**
 * Runs `load()` (an autocannon run) against the server process `child` pinned to `serverCpu`
 * and returns the measured record: throughput, latency percentiles, the server's CPU use, what
 * else used its core meanwhile, failures, and its memory right after.
 */
export async function measureLoad(child, serverCpu, load) {
  const cpu0 = cpuSecondsOf(child.pid);
  const core0 = cpuTimesOf(serverCpu);
  const r = await load();
  const serverCpuSeconds = cpuSecondsOf(child.pid) - cpu0;
  const core1 = cpuTimesOf(serverCpu);
  const memory = memoryOf(child.pid);
  const coreWall = core1.total - core0.total;
  return {
    requests: r.requests.total,
    rps: r.requests.average,
    perSecond: r.perSecond,
    latencyMs: {
      avg: r.latency.average,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
    },
    // Requests per CPU-second of the server: robust against other load on the machine.
    reqPerCpuSecond: r.requests.total / serverCpuSeconds,
    serverCpuShare: serverCpuSeconds / coreWall,
    // What else ran on the server's core during the run (0 = the server had it to itself).
    otherLoadOnServerCpu: Math.max(0, (core1.busy - core0.busy - serverCpuSeconds) / coreWall),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    badBodies: r.mismatches,
    statusCodes: Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => [code, v.count]),
    ),
    ...(r.failure ? { failure: r.failure } : {}),
    rssMb: memory.rssMb,
    hwmMb: memory.hwmMb,
  };
}

/** Whether a measured record saw anything but checked 2xx responses. */
export const failed = (r) => Boolean(r.non2xx || r.errors || r.timeouts || r.badBodies);
