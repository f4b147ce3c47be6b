// PostgreSQL against SQLite: the same Gatehouse (dist/, started as `npm start` starts it) and the
// same mixed load on each driver, with the SQL statements each request sends counted exactly.
//
//   1. Set-up, per driver: a fresh database (SQLite: a file under a temp DATA_DIR; PostgreSQL: a
//      database created on BENCH_DATABASE_URL's server, dropped at the end), a user, a web app, a
//      service and a resource server allowed to introspect (the CLI). Gatehouse starts once with
//      ACCESS_TOKEN_FORMAT=opaque for an opaque token (introspection, opaque reads) and again,
//      on the same database, with JWTs (the default) for the rest: both formats are accepted
//      whatever the setting, so one server then answers every scenario.
//   2. Statements per request: each scenario alone, BENCH_COUNT requests one after another, with
//      bench/support/count-statements.mjs preloaded in the server (it counts every pg query —
//      one round trip each — and every better-sqlite3 execution); the background jobs'
//      statements (revocation sync, key sync), counted over an idle window, are subtracted.
//      Sign-in is the code flow through the real pages (authorize, sign-in form, consent,
//      callback, code redemption), counted per flow.
//   3. The mixed load: every connection sends, in turn, a client_credentials token request, a
//      refresh, an introspection, a Drive read with the JWT and one with the opaque token;
//      interleaved rounds (SQLite, PostgreSQL, PostgreSQL, SQLite...), medians.
//
// Gatehouse runs on CPU 0 (`taskset -c 0`), this process (autocannon) on CPU 1; the PostgreSQL
// server is not pinned (its backends are part of what the PostgreSQL side costs). Every response
// must be a 2xx with the expected body; the first failure stops the run. Loopback only, every
// load bounded, a watchdog bounds the whole run.
//
//   npm run bench:postgres             build, then run with the defaults below
//   BENCH_DURATION=5 BENCH_ROUNDS=4 BENCH_CONNECTIONS=10 BENCH_COUNT=50 node bench/postgres-vs-sqlite.mjs
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432   the PostgreSQL server (a database
//                                      gatehouse_bench_<pid> is created there and dropped)
//   BENCH_ONLY=count                   statements per request only, no load
//   BENCH_OUT=/tmp/x.json              write the JSON results elsewhere
//
// Results: tables on stdout and bench/results/postgres-vs-sqlite-<YYYY-MM-DD>.json.

/* global fetch, AbortSignal -- Node's built-in web APIs (eslint.config.js declares only a few globals) */
import autocannon from 'autocannon';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { URLSearchParams } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatehouse } from './support/gatehouse.mjs';
import { list, measureLoad, num } from './support/load.mjs';
import {
  basic,
  registerWebAppAndUser,
  REQUEST_TIMEOUT_MS,
  tokenRequest,
  tokensViaPages,
} from './support/oauth.mjs';
import {
  cpuSecondsOf,
  installCleanup,
  installWatchdog,
  ROOT,
  run,
  stopAllChildren,
  stopServer,
  tempDirs,
} from './support/processes.mjs';
import { environment, fmt, median, resultsFile, writeResults } from './support/report.mjs';

const SERVER_CPU = '0';
const LOADGEN_CPU = '1';
const OPTS = {
  connections: num('BENCH_CONNECTIONS', 10),
  duration: num('BENCH_DURATION', 5),
  warmup: num('BENCH_WARMUP', 3),
  rounds: num('BENCH_ROUNDS', 4),
  count: num('BENCH_COUNT', 50),
  drivers: list('BENCH_DRIVERS', 'sqlite,postgres'),
  only: process.env.BENCH_ONLY,
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
  pgServer: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432',
};
const USER = { email: 'bench@example.com', password: 'correct horse battery staple' };
const REDIRECT_URI = 'https://app.example.com/callback';
const FILE = { name: 'bench.txt', content: 'hello' };
const API_SCOPE = 'openid offline_access drive.read drive.write';
const STATEMENTS = join(tmpdir(), `gatehouse-bench-statements-${process.pid}`);
const PG_DATABASE = `gatehouse_bench_${process.pid}`;
const SCENARIOS = ['client_credentials', 'refresh', 'introspection', 'drive_jwt', 'drive_opaque'];

installCleanup();
installWatchdog(
  240 + OPTS.drivers.length * OPTS.rounds * (OPTS.warmup + OPTS.duration + 5) * 1.5 + 60,
);

async function http(url, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(url, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, text };
}

// ---------------------------------------------------------------------------------------------
// Servers.

function driverEnv(driver) {
  if (driver === 'sqlite') {
    return { DATABASE_URL: undefined };
  }
  const url = new URL(OPTS.pgServer);
  url.pathname = `/${PG_DATABASE}`;
  return { DATABASE_URL: url.href };
}

function psql(sql) {
  const url = new URL(OPTS.pgServer);
  url.pathname = '/postgres';
  return run('psql', [url.href, '-qAtc', sql]);
}

/** CPU seconds used so far by the PostgreSQL backends serving the bench database. */
function backendCpuSeconds() {
  const pids = psql(`SELECT pid FROM pg_stat_activity WHERE datname = '${PG_DATABASE}'`)
    .split('\n')
    .filter(Boolean);
  return new Map(
    pids.map((pid) => {
      try {
        return [pid, cpuSecondsOf(Number(pid))];
      } catch {
        return [pid, 0]; // gone meanwhile, or not readable
      }
    }),
  );
}

function backendCpuBetween(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) {
    total += seconds - (before.get(pid) ?? 0);
  }
  return total;
}

/** Gatehouse on `driver`, set up, with an opaque and a JWT access token and a file to read. */
async function startOn(driver) {
  const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-bench-${driver}-`));
  tempDirs.add(dataDir);
  if (driver === 'postgres') {
    psql(`CREATE DATABASE ${PG_DATABASE}`);
  }
  const env = {
    ...driverEnv(driver),
    ACCESS_TOKEN_TTL: '1h',
    ACCESS_TOKEN_CACHE_SIZE: undefined,
  };
  const first = await startGatehouse({
    label: `${driver}-opaque`,
    dataDir,
    env: { ...env, ACCESS_TOKEN_FORMAT: 'opaque' },
    logLevel: 'warn',
    spawnOptions: { cpu: SERVER_CPU },
    setup: (cli) => {
      const web = registerWebAppAndUser(cli, USER, REDIRECT_URI);
      const service = cli(
        'clients:create',
        '--name',
        'Bench service',
        '--type',
        'service',
        '--scope',
        'drive.read drive.write',
      );
      const rs = cli(
        'clients:create',
        '--name',
        'Bench resource server',
        '--type',
        'service',
        '--introspection',
      );
      return {
        web,
        service: { clientId: service.client_id, clientSecret: service.client_secret },
        introspector: { clientId: rs.client_id, clientSecret: rs.client_secret },
      };
    },
  });
  const opaque = await tokensViaPages(first.issuer, first.web, USER, API_SCOPE);
  await stopServer(first.child);

  const server = await startGatehouse({
    label: driver,
    // The same issuer (port) as the first start: the opaque token's audience names it.
    port: Number(first.env.PORT),
    dataDir,
    env: {
      ...env,
      ACCESS_TOKEN_FORMAT: undefined,
      BENCH_STATEMENTS_FILE: STATEMENTS,
    },
    logLevel: 'warn',
    spawnOptions: { cpu: SERVER_CPU, cpuProfDir: OPTS.cpuProfDir },
    setup: () => ({}),
  });
  // The same authorization's refresh token now brings a JWT (a second consent would replace
  // the grant, and with it the opaque token).
  const refreshed = await tokenRequest(
    server.issuer,
    basic(first.web.clientId, first.web.clientSecret),
    {
      grant_type: 'refresh_token',
      refresh_token: opaque.refresh_token,
      resource: `${first.issuer}/api`,
    },
  );
  const jwt = refreshed.body;
  if (refreshed.status !== 200 || typeof jwt.access_token !== 'string') {
    throw new Error(`${driver}: refresh failed (${refreshed.status}): ${JSON.stringify(jwt)}`);
  }
  for (const [format, token] of [
    ['opaque', opaque.access_token],
    ['jwt', jwt.access_token],
  ]) {
    if ((token.split('.').length === 3 ? 'jwt' : 'opaque') !== format) {
      throw new Error(`${driver}: expected a ${format} access token`);
    }
  }
  const created = await http(`${server.issuer}/api/drive/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(FILE),
  });
  if (created.status !== 201) {
    throw new Error(`${driver}: POST /api/drive/files answered ${created.status}: ${created.text}`);
  }
  return {
    ...first,
    ...server,
    driver,
    dataDir,
    file: `/api/drive/files/${JSON.parse(created.text).id}`,
    opaque: opaque.access_token,
    jwt: jwt.access_token,
    refreshToken: opaque.refresh_token,
  };
}

// ---------------------------------------------------------------------------------------------
// Requests.

const form = (params) => new URLSearchParams(params).toString();
const FORM = 'application/x-www-form-urlencoded';

/** Each scenario as one request, and how its answer is checked. */
function requestsOf(s) {
  const byName = {
    client_credentials: {
      method: 'POST',
      path: '/oauth/token',
      headers: {
        authorization: basic(s.service.clientId, s.service.clientSecret),
        'content-type': FORM,
      },
      body: form({ grant_type: 'client_credentials', scope: 'drive.read' }),
      ok: (text) => text.includes('"access_token"'),
    },
    refresh: {
      method: 'POST',
      path: '/oauth/token',
      headers: { authorization: basic(s.web.clientId, s.web.clientSecret), 'content-type': FORM },
      body: form({ grant_type: 'refresh_token', refresh_token: s.refreshToken }),
      // Not rotated (confidential client, young token): the same token comes back.
      ok: (text) => text.includes('"access_token"') && text.includes(s.refreshToken),
    },
    introspection: {
      method: 'POST',
      path: '/oauth/introspect',
      headers: {
        authorization: basic(s.introspector.clientId, s.introspector.clientSecret),
        'content-type': FORM,
      },
      body: form({ token: s.opaque }),
      ok: (text) => /"active":\s*true/.test(text),
    },
    drive_jwt: {
      method: 'GET',
      path: s.file,
      headers: { authorization: `Bearer ${s.jwt}` },
      ok: (text) => text.includes(`"content":"${FILE.content}"`),
    },
    drive_opaque: {
      method: 'GET',
      path: s.file,
      headers: { authorization: `Bearer ${s.opaque}` },
      ok: (text) => text.includes(`"content":"${FILE.content}"`),
    },
  };
  return byName;
}

async function send(s, request) {
  const { status, text } = await http(`${s.issuer}${request.path}`, request);
  if (status < 200 || status > 299 || !request.ok(text)) {
    throw new Error(
      `${s.driver} ${request.method} ${request.path} (${request.headers.authorization?.slice(0, 12)}): ${status} ${text}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Statements per request.

async function snapshot(s) {
  rmSync(STATEMENTS, { force: true });
  s.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(STATEMENTS); i++) {
    await sleep(20);
  }
  return JSON.parse(readFileSync(STATEMENTS, 'utf8'));
}

function diff(after, before) {
  const out = {};
  for (const [text, n] of Object.entries(after.statements)) {
    const d = n - (before.statements[text] ?? 0);
    if (d > 0) {
      out[text] = d;
    }
  }
  return out;
}

/** Statements the server sends by itself (timers), per second, over an idle window. */
async function background(s) {
  const before = await snapshot(s);
  const started = Date.now();
  await sleep(3000);
  const after = await snapshot(s);
  const seconds = (Date.now() - started) / 1000;
  return Object.fromEntries(Object.entries(diff(after, before)).map(([t, n]) => [t, n / seconds]));
}

async function countOne(s, idle, times, action) {
  const before = await snapshot(s);
  const backends0 = s.driver === 'postgres' ? backendCpuSeconds() : undefined;
  const cpu0 = cpuSecondsOf(s.child.pid);
  const started = Date.now();
  for (let i = 0; i < times; i++) {
    await action();
  }
  const seconds = (Date.now() - started) / 1000;
  const gatehouseCpuUs = ((cpuSecondsOf(s.child.pid) - cpu0) * 1e6) / times;
  const postgresCpuUs = backends0
    ? (backendCpuBetween(backends0, backendCpuSeconds()) * 1e6) / times
    : undefined;
  const after = await snapshot(s);
  const perRequest = {};
  for (const [text, n] of Object.entries(diff(after, before))) {
    const own = n - Math.round((idle[text] ?? 0) * seconds);
    if (own > 0) {
      perRequest[text] = own / times;
    }
  }
  const total = Object.values(perRequest).reduce((a, b) => a + b, 0);
  return {
    statements: total,
    gatehouseCpuUs,
    postgresCpuUs,
    msPerRequest: (seconds * 1000) / times,
    byText: perRequest,
    connects: after.connects - before.connects,
  };
}

async function countStatements(s) {
  const requests = requestsOf(s);
  const idle = await background(s);
  const counts = {};
  for (const name of SCENARIOS) {
    await send(s, requests[name]); // warm: caches, lazily built verifiers
    counts[name] = await countOne(s, idle, OPTS.count, () => send(s, requests[name]));
  }
  counts.sign_in = await countOne(s, idle, 3, () =>
    tokensViaPages(s.issuer, s.web, USER, 'openid'),
  );
  return { idlePerSecond: idle, counts };
}

// ---------------------------------------------------------------------------------------------
// The mixed load.

function mixedLoad(s, duration) {
  const requests = SCENARIOS.map((name) => requestsOf(s)[name]);
  let failure;
  const instance = autocannon({
    url: s.issuer,
    connections: OPTS.connections,
    pipelining: 1,
    duration,
    timeout: 10,
    requests: requests.map(({ method, path, headers, body, ok }) => ({
      method,
      path,
      headers,
      ...(body ? { body } : {}),
      onResponse: (status, text) => {
        if (!failure && (status < 200 || status > 299 || !ok(text))) {
          failure = `${method} ${path}: ${status} ${String(text).slice(0, 300)}`;
          instance.stop();
        }
      },
    })),
  });
  return instance.then((result) => {
    if (failure || result.errors || result.timeouts || result.non2xx) {
      throw new Error(
        `${s.driver}: mixed load failed: ${failure ?? `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`}`,
      );
    }
    return result;
  });
}

// ---------------------------------------------------------------------------------------------

function printCounts(results) {
  const drivers = Object.keys(results);
  console.log('\nSQL statements per request (PostgreSQL: one round trip each)');
  console.log(
    'and, one request at a time: ms per request, CPU µs per request (Gatehouse, PostgreSQL backends)',
  );
  const header = ['scenario', ...drivers.flatMap((d) => [d, 'ms', 'CPU µs'])];
  const rows = [...SCENARIOS, 'sign_in'].map((name) => [
    name,
    ...drivers.flatMap((d) => {
      const c = results[d].counts[name];
      return [
        fmt(c.statements, 2),
        fmt(c.msPerRequest, 2),
        fmt(c.gatehouseCpuUs) + (c.postgresCpuUs === undefined ? '' : ` + ${fmt(c.postgresCpuUs)}`),
      ];
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) {
    console.log(row.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));
  }
  for (const d of drivers) {
    console.log(`\n${d}: statements per request, by text`);
    for (const name of [...SCENARIOS, 'sign_in']) {
      console.log(`  ${name}`);
      for (const [text, n] of Object.entries(results[d].counts[name].byText)) {
        console.log(`    ${fmt(n, 2).padStart(5)}  ${text.slice(0, 150)}`);
      }
    }
  }
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
    throw new Error(
      'dist/src/main.js is missing: run `npm run build` (npm run bench:postgres does)',
    );
  }
  run('taskset', ['-a', '-cp', LOADGEN_CPU, String(process.pid)]);
  process.env.NODE_OPTIONS = [
    process.env.NODE_OPTIONS,
    '--import=./bench/support/count-statements.mjs',
  ]
    .filter(Boolean)
    .join(' ');
  const servers = [];
  const report = { environment: environment(), options: OPTS, counts: {}, runs: [] };
  try {
    for (const driver of OPTS.drivers) {
      const s = await startOn(driver);
      servers.push(s);
      report.counts[driver] = await countStatements(s);
    }
    printCounts(report.counts);
    if (OPTS.only !== 'count') {
      for (const s of servers) {
        await mixedLoad(s, OPTS.warmup);
      }
      for (let round = 1; round <= OPTS.rounds; round++) {
        const order = round % 2 ? servers : [...servers].reverse();
        for (const s of order) {
          await mixedLoad(s, 1);
          const backends0 = s.driver === 'postgres' ? backendCpuSeconds() : undefined;
          const measured = await measureLoad(s.child, SERVER_CPU, () =>
            mixedLoad(s, OPTS.duration),
          );
          const pgUsPerRequest = backends0
            ? (backendCpuBetween(backends0, backendCpuSeconds()) * 1e6) / measured.requests
            : undefined;
          const load = loadavg()[0];
          report.runs.push({ driver: s.driver, round, load1: load, pgUsPerRequest, ...measured });
          console.log(
            `round ${round} ${s.driver.padEnd(8)} ${fmt(measured.rps).padStart(6)} req/s  p50 ${measured.latencyMs.p50} ms  p99 ${measured.latencyMs.p99} ms  ` +
              `Gatehouse ${fmt(1e6 / measured.reqPerCpuSecond)} µs CPU/request` +
              (pgUsPerRequest === undefined
                ? ''
                : `  PostgreSQL ${fmt(pgUsPerRequest)} µs CPU/request`) +
              `  (load ${load.toFixed(2)})`,
          );
        }
      }
      console.log('\nmixed load, medians');
      report.summary = {};
      for (const s of servers) {
        const mine = report.runs.filter((r) => r.driver === s.driver);
        report.summary[s.driver] = {
          rps: median(mine.map((r) => r.rps)),
          p50Ms: median(mine.map((r) => r.latencyMs.p50)),
          p99Ms: median(mine.map((r) => r.latencyMs.p99)),
          reqPerCpuSecond: median(mine.map((r) => r.reqPerCpuSecond)),
          gatehouseCpuUsPerRequest: median(mine.map((r) => 1e6 / r.reqPerCpuSecond)),
          ...(s.driver === 'postgres'
            ? { postgresCpuUsPerRequest: median(mine.map((r) => r.pgUsPerRequest)) }
            : {}),
          rounds: mine.map((r) => Math.round(r.rps)),
          load1: mine.map((r) => Number(r.load1.toFixed(2))),
        };
        const m = report.summary[s.driver];
        console.log(
          `${s.driver.padEnd(8)} ${fmt(m.rps).padStart(6)} req/s (${m.rounds.join('/')})  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  ` +
            `Gatehouse ${fmt(m.gatehouseCpuUsPerRequest)} µs CPU/request` +
            (m.postgresCpuUsPerRequest === undefined
              ? ''
              : `, PostgreSQL backends ${fmt(m.postgresCpuUsPerRequest)} µs CPU/request`),
        );
      }
      if (report.summary.sqlite && report.summary.postgres) {
        console.log(
          `postgres/sqlite: ${(report.summary.postgres.rps / report.summary.sqlite.rps).toFixed(2)}×`,
        );
      }
    }
    console.log(`uptime: ${run('uptime', []).trim()}`);
    await writeResults(resultsFile('postgres-vs-sqlite'), report);
  } finally {
    await stopAllChildren();
    if (OPTS.drivers.includes('postgres')) {
      try {
        psql(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
      } catch (error) {
        console.error(`could not drop ${PG_DATABASE}: ${error.message}`);
      }
    }
  }
}

main().catch(async (error) => {
  console.error(error);
  process.exitCode = 1;
});
