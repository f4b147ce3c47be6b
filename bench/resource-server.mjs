// Resource server benchmark: Gatehouse's protected API (dist/, SQLite, started as `npm start`
// starts it) against the floor of what the same request needs, four scenarios, each a pair
// measured in the same run:
//
//   jwt-verify     GET /api/drive/files/<id>, JWT access token, ACCESS_TOKEN_CACHE_SIZE=0 (a
//                  signature check per request)  vs  bench/bare-jwt-server.mjs (node:http +
//                  jose jwtVerify against Gatehouse's JWKS, the same JSON from memory)
//   jwt-cached     the same read with the verified-token cache on (the default)  vs
//                  bench/bare-nest-server.mjs (Nest 12 + Fastify, one route, no auth)
//   opaque         the same read, ACCESS_TOKEN_FORMAT=opaque (a database lookup per request)
//                  vs bench/bare-nest-server.mjs
//   introspection  POST /oauth/introspect token=<opaque access token> (client_secret_basic, a
//                  client registered with --introspection), ACCESS_TOKEN_FORMAT=opaque  vs
//                  bench/standalone-provider.mjs (oidc-provider 9, in-memory adapter)
//
// Each scenario starts its own pair (a fresh Gatehouse with its own DATA_DIR, so its peak RSS is
// its own), gets a user token through the real sign-in and consent pages (authorization code +
// PKCE, scope openid drive.read drive.write), creates a small file with POST /api/drive/files
// and reads it once; the bare servers answer the body of that read. The pair is measured in
// interleaved rounds (the order alternating per round), then stopped. Servers run on CPU 0
// (`taskset -c 0`), autocannon on CPU 1. Every response is checked (status 200 and, for the
// reads, exactly Gatehouse's body; for introspection `"active":true`); the first failure stops
// the load and aborts the scenario (the others still run; the exit code is then 1). Everything
// is on 127.0.0.1; every load is bounded in time and a watchdog bounds the whole run.
//
//   npm run bench:resource             build, then run with the defaults below
//   BENCH_DURATION=6 BENCH_WARMUP=10 BENCH_ROUNDS=5 BENCH_CONNECTIONS=50 node bench/resource-server.mjs
//   BENCH_SCENARIOS=jwt-verify,opaque  some scenarios only
//   BENCH_ONLY=gatehouse               one side only (gatehouse or baseline); no ratios then
//   BENCH_CPU_PROF=bench/profiles      V8 CPU profiles of the servers (bench/cpuprofile-top.mjs)
//   BENCH_GATEHOUSE_NODE_ARGS='...'    extra node flags for the Gatehouse children only
//   BENCH_OUT=/tmp/x.json              write the JSON results elsewhere (experiments)
//
// Results: a table on stdout and bench/results/resource-server-<YYYY-MM-DD>.json (one per day).

/* global fetch, AbortSignal -- Node's built-in web APIs (eslint.config.js declares only a few globals) */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { URLSearchParams } from 'node:url';
import { startGatehouse } from './support/gatehouse.mjs';
import { cannon, failed, list, measureLoad, num } from './support/load.mjs';
import {
  basic,
  registerWebAppAndUser,
  REQUEST_TIMEOUT_MS,
  tokensViaPages,
} from './support/oauth.mjs';
import {
  freePort,
  installCleanup,
  installWatchdog,
  memoryOf,
  ROOT,
  run,
  spawnServer,
  stopAllChildren,
  stopServer,
  waitForReadyLine,
} from './support/processes.mjs';
import {
  environment,
  fmt,
  printTable,
  printWarnings,
  ratiosOf,
  resultsFile,
  summarise,
  writeResults,
} from './support/report.mjs';

const SERVER_CPU = '0';
const LOADGEN_CPU = '1';
const SIDES = ['gatehouse', 'baseline'];

/** Gatehouse's configuration in every scenario: tokens outlive the run; defaults otherwise. */
const GATEHOUSE_ENV = {
  ACCESS_TOKEN_TTL: '1h',
  ACCESS_TOKEN_FORMAT: undefined,
  ACCESS_TOKEN_CACHE_SIZE: undefined,
};

const SCENARIOS = {
  'jwt-verify': {
    request: 'drive-read',
    gatehouseEnv: { ACCESS_TOKEN_CACHE_SIZE: '0' },
    baseline: 'bare-jwt',
    goal: 0.8,
  },
  'jwt-cached': {
    request: 'drive-read',
    gatehouseEnv: {},
    baseline: 'bare-nest',
    goal: 0.6,
  },
  opaque: {
    request: 'drive-read',
    gatehouseEnv: { ACCESS_TOKEN_FORMAT: 'opaque' },
    baseline: 'bare-nest',
    goal: 0.3,
  },
  introspection: {
    request: 'introspect',
    gatehouseEnv: { ACCESS_TOKEN_FORMAT: 'opaque' },
    baseline: 'standalone',
    goal: 0.7,
  },
};
const BASELINE_SCRIPTS = {
  'bare-jwt': 'bench/bare-jwt-server.mjs',
  'bare-nest': 'bench/bare-nest-server.mjs',
  standalone: 'bench/standalone-provider.mjs',
};

const OPTS = {
  connections: num('BENCH_CONNECTIONS', 50),
  duration: num('BENCH_DURATION', 6),
  /** First warm-up of each server x scenario; later rounds re-warm for 1 s. */
  warmup: num('BENCH_WARMUP', 10),
  rounds: num('BENCH_ROUNDS', 5),
  sides: list('BENCH_ONLY', SIDES.join(',')),
  scenarios: list('BENCH_SCENARIOS', Object.keys(SCENARIOS).join(',')),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
};
for (const side of OPTS.sides) {
  if (!SIDES.includes(side)) {
    throw new Error(`unknown side ${side} (BENCH_ONLY=${SIDES.join(',')})`);
  }
}
for (const name of OPTS.scenarios) {
  if (!SCENARIOS[name]) {
    throw new Error(`unknown scenario ${name} (BENCH_SCENARIOS=${Object.keys(SCENARIOS)})`);
  }
}
const USER = { email: 'bench@example.com', password: 'correct horse battery staple' };
const REDIRECT_URI = 'https://app.example.com/callback';
const FILE = { name: 'bench.txt', content: 'hello' };
const ACTIVE = /"active":\s*true/;
const serverSpawnOptions = { cpu: SERVER_CPU, cpuProfDir: OPTS.cpuProfDir };

installCleanup();
// Generous: set-up (CLI, sign-in, servers) plus every load, then half as much again.
installWatchdog(
  60 +
    1.5 *
      OPTS.scenarios.length *
      (90 + OPTS.sides.length * (OPTS.warmup + OPTS.rounds * (OPTS.duration + 1) + 10)),
);

class ScenarioAborted extends Error {}

async function http(url, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(url, {
    method,
    headers,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

// ---------------------------------------------------------------------------------------------
// Servers.

/**
 * A Gatehouse for one scenario, with a user, a web client, (for introspection) a resource-server
 * client, the user's access token for the API, and one small file of theirs read back once.
 */
async function startGatehouseFor(name, def) {
  const label = `gatehouse-${name}`;
  const server = await startGatehouse({
    label,
    env: { ...GATEHOUSE_ENV, ...def.gatehouseEnv },
    logLevel: 'warn',
    spawnOptions: serverSpawnOptions,
    setup: (cli) => {
      // The CLI applies migrations on the fresh database before the server ever starts.
      const web = registerWebAppAndUser(cli, USER, REDIRECT_URI);
      const rs =
        def.request === 'introspect'
          ? cli(
              'clients:create',
              '--name',
              'Bench resource server',
              '--type',
              'service',
              '--introspection',
            )
          : undefined;
      return {
        web,
        introspector: rs && { clientId: rs.client_id, clientSecret: rs.client_secret },
      };
    },
  });

  const tokens = await tokensViaPages(
    server.issuer,
    server.web,
    USER,
    'openid drive.read drive.write',
  );
  const accessToken = tokens.access_token;
  const format = accessToken.split('.').length === 3 ? 'jwt' : 'opaque';
  const wanted = def.gatehouseEnv.ACCESS_TOKEN_FORMAT ?? 'jwt';
  const scopes = String(tokens.scope ?? '').split(' ');
  if (format !== wanted || !scopes.includes('drive.read') || !scopes.includes('drive.write')) {
    throw new Error(
      `${label}: expected a ${wanted} access token with drive.read drive.write, got a ${format} one with scope "${tokens.scope}"`,
    );
  }
  const auth = { authorization: `Bearer ${accessToken}` };
  const created = await http(`${server.issuer}/api/drive/files`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(FILE),
  });
  if (created.status !== 201 || typeof created.json?.id !== 'string') {
    throw new Error(`${label}: POST /api/drive/files answered ${created.status}: ${created.text}`);
  }
  const path = `/api/drive/files/${encodeURIComponent(created.json.id)}`;
  const read = await http(`${server.issuer}${path}`, { headers: auth });
  if (read.status !== 200 || read.json?.content !== FILE.content) {
    throw new Error(`${label}: GET ${path} answered ${read.status}: ${read.text}`);
  }
  return { ...server, accessToken, path, body: read.text };
}

async function startBaseline(kind, gatehouse) {
  const port = await freePort();
  const env = { PORT: String(port), HOST: '127.0.0.1' };
  if (kind === 'bare-jwt') {
    Object.assign(env, { ISSUER: gatehouse.issuer, RESPONSE_BODY: gatehouse.body });
  } else if (kind === 'bare-nest') {
    Object.assign(env, { RESPONSE_BODY: gatehouse.body });
  } else {
    // Its opaque API access token must outlive the run too; one refresh token is plenty here.
    Object.assign(env, { ACCESS_TOKEN_TTL: '3600', REFRESH_TOKENS: '1' });
  }
  const child = spawnServer(kind, [BASELINE_SCRIPTS[kind]], env, serverSpawnOptions);
  const ready = await waitForReadyLine(child);
  return { label: kind, child, origin: `http://127.0.0.1:${port}`, ...ready };
}

// ---------------------------------------------------------------------------------------------
// Scenarios and measurement.

/** What one side of a scenario is loaded with, and how each answer is checked. */
function targetOf(def, side, gatehouse, baseline) {
  const server = side === 'gatehouse' ? gatehouse : baseline;
  const common = {
    side,
    server: side === 'gatehouse' ? 'gatehouse' : def.baseline,
    child: server.child,
  };
  if (def.request === 'drive-read') {
    const origin = side === 'gatehouse' ? gatehouse.issuer : baseline.origin;
    return {
      ...common,
      url: `${origin}${gatehouse.path}`,
      method: 'GET',
      headers: { authorization: `Bearer ${gatehouse.accessToken}` },
      bodies: [],
      // Exactly what Gatehouse answered when the file was read the first time.
      verifyBody: (body) => body === gatehouse.body,
    };
  }
  const client = side === 'gatehouse' ? gatehouse.introspector : baseline.introspector;
  const token = side === 'gatehouse' ? gatehouse.accessToken : baseline.apiAccessToken;
  return {
    ...common,
    url: `${side === 'gatehouse' ? gatehouse.issuer : baseline.issuer}/oauth/introspect`,
    method: 'POST',
    headers: {
      authorization: basic(client.clientId, client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    bodies: [new URLSearchParams({ token }).toString()],
    verifyBody: (body) => ACTIVE.test(body),
  };
}

/** One request by hand: the scenario must work before and after it is loaded. */
async function probe(t, scenarioName, when) {
  const { status, text } = await http(t.url, {
    method: t.method,
    headers: t.headers,
    body: t.bodies[0],
  });
  if (status !== 200 || !t.verifyBody(text)) {
    throw new ScenarioAborted(
      `${t.server} ${scenarioName}: request ${when} the load failed (${status}): ${text.slice(0, 500)}`,
    );
  }
}

function load(t, duration) {
  return cannon({
    url: t.url,
    method: t.method,
    headers: t.headers,
    bodies: t.bodies,
    connections: OPTS.connections,
    duration,
    verifyBody: t.verifyBody,
    stopOnFailure: true,
  });
}

async function measure(t, scenarioName, round, warmup) {
  await probe(t, scenarioName, 'before');
  const warm = await load(t, warmup);
  if (warm.failure) {
    throw new ScenarioAborted(`${t.server} ${scenarioName}: warm-up failed: ${warm.failure}`);
  }
  const measured = await measureLoad(t.child, SERVER_CPU, () => load(t, OPTS.duration));
  const record = { server: t.server, side: t.side, scenario: scenarioName, round, ...measured };
  if (!failed(record)) {
    await probe(t, scenarioName, 'after');
  }
  return record;
}

/** Starts the pair, measures it in interleaved rounds, stops it. */
async function runScenario(name, runs, idleMemory) {
  const def = SCENARIOS[name];
  const started = Date.now();
  const servers = [];
  try {
    // The baselines of the Drive reads answer Gatehouse's body (and bare-jwt its keys), so that
    // Gatehouse is started even when only the baseline is measured.
    const needGatehouse = OPTS.sides.includes('gatehouse') || def.request === 'drive-read';
    const gatehouse = needGatehouse ? await startGatehouseFor(name, def) : undefined;
    if (gatehouse) {
      servers.push(gatehouse);
    }
    const baseline = OPTS.sides.includes('baseline')
      ? await startBaseline(def.baseline, gatehouse)
      : undefined;
    if (baseline) {
      servers.push(baseline);
    }
    const targets = OPTS.sides.map((side) => targetOf(def, side, gatehouse, baseline));
    for (const t of targets) {
      const memory = memoryOf(t.child.pid);
      idleMemory[`${name}/${t.server}`] = memory;
      console.log(
        `${name}: ${t.server} ready, pid ${t.child.pid}, RSS ${fmt(memory.rssMb, 1)} MB (peak ${fmt(memory.hwmMb, 1)})`,
      );
    }
    console.log(
      `${name}: set up in ${Date.now() - started} ms; ${targets[0].method} ${new URL(targets[0].url).pathname}`,
    );

    for (let round = 1; round <= OPTS.rounds; round++) {
      const order = round % 2 ? targets : [...targets].reverse();
      for (const t of order) {
        const result = await measure(t, name, round, round === 1 ? OPTS.warmup : 1);
        runs.push(result);
        console.log(
          `  round ${round} ${t.server.padEnd(10)} ${name.padEnd(14)} ${fmt(result.rps).padStart(6)} req/s  ` +
            `p50 ${fmt(result.latencyMs.p50, 1)} ms  p99 ${fmt(result.latencyMs.p99, 1)} ms  ` +
            `failed ${result.non2xx + result.badBodies + result.errors}  RSS ${fmt(result.rssMb, 1)} MB (peak ${fmt(result.hwmMb, 1)})`,
        );
        if (failed(result)) {
          throw new ScenarioAborted(
            `${t.server} ${name} round ${round}: ${result.failure ?? 'failed responses'} ` +
              `(non-2xx ${result.non2xx}, bad bodies ${result.badBodies}, errors ${result.errors}, ` +
              `status codes ${JSON.stringify(result.statusCodes)})`,
          );
        }
      }
    }
    return undefined;
  } catch (error) {
    // A set-up step that fails (an error from Gatehouse, say) aborts this scenario only.
    const message =
      error instanceof ScenarioAborted || !(error instanceof Error)
        ? String(error.message ?? error)
        : (error.stack ?? error.message);
    const logs = servers
      .map((s) => `--- ${s.label} output (last 2000 chars):\n${s.child.output.slice(-2000)}`)
      .join('\n');
    console.log(`ABORTED ${name}: ${message}\n${logs}`);
    return message.split('\n')[0];
  } finally {
    for (const s of servers) {
      printServerOutput(name, s);
    }
    await Promise.all(servers.map((s) => stopServer(s.child)));
  }
}

/**
 * What a server printed (Gatehouse runs with LOG_LEVEL=warn, so anything is worth a look):
 * distinct lines with their counts, timestamps and pids masked, at most 12.
 */
function printServerOutput(scenarioName, server) {
  const counts = new Map();
  for (const line of server.child.output.split('\n')) {
    const key = line
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?|\d{1,2}\/\d{1,2}\/\d{4},? [\d:]+ ?(AM|PM)?/g, '<time>')
      .replace(/\b\d{3,}\b/g, '<n>')
      .trim();
    if (key && !key.startsWith('BENCH_READY')) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  if (!counts.size) {
    return;
  }
  console.log(`${scenarioName}: ${server.label} printed (distinct lines, most recent output):`);
  for (const [line, count] of [...counts].slice(-12)) {
    console.log(`    ${count > 1 ? `${count}x ` : ''}${line.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
    throw new Error(
      'dist/src/main.js is missing: run `npm run build` (npm run bench:resource does)',
    );
  }
  // The load generator gets the other core; the servers are started with `taskset -c 0`.
  run('taskset', ['-a', '-cp', LOADGEN_CPU, String(process.pid)]);
  console.log(
    `resource-server bench: ${OPTS.connections} connections; ${OPTS.warmup} s warm-up, then ${OPTS.rounds} round(s) of ` +
      `1 s + ${OPTS.duration} s measured per server x scenario; servers on CPU ${SERVER_CPU}, autocannon on CPU ${LOADGEN_CPU}; ` +
      `${cpus()[0]?.model ?? ''}, Node ${process.version}`,
  );

  const runs = [];
  const idleMemory = {};
  const aborted = {};
  for (const name of OPTS.scenarios) {
    const failure = await runScenario(name, runs, idleMemory);
    if (failure) {
      aborted[name] = failure;
    }
  }

  const cells = OPTS.scenarios.flatMap((name) =>
    summarise(runs, ['gatehouse', SCENARIOS[name].baseline], [name]),
  );
  printTable(cells);
  const completed = OPTS.scenarios.filter((name) => !aborted[name]);
  const ratios = ratiosOf(runs, completed, OPTS.rounds, {
    key: 'side',
    subject: 'gatehouse',
    baseline: 'baseline',
  });
  const goals = {};
  console.log('');
  for (const name of OPTS.scenarios) {
    const def = SCENARIOS[name];
    const ratio = ratios[name];
    if (aborted[name]) {
      goals[name] = { goal: `>= ${def.goal}x ${def.baseline}`, aborted: aborted[name], met: false };
      console.log(
        `gatehouse/${def.baseline.padEnd(10)} ${name.padEnd(14)} ABORTED: ${aborted[name]}`,
      );
      continue;
    }
    if (!ratio) {
      continue;
    }
    goals[name] = {
      goal: `>= ${def.goal}x ${def.baseline}`,
      value: ratio.rps,
      met: ratio.rps >= def.goal,
    };
    console.log(
      `gatehouse/${def.baseline.padEnd(10)} ${name.padEnd(14)} req/s ${ratio.rps.toFixed(2)}x ` +
        `(rounds ${ratio.rpsRounds.map((r) => r.toFixed(2)).join('/')})   req/CPU-s ${ratio.reqPerCpuSecond.toFixed(2)}x   ` +
        `p99 ${ratio.p99.toFixed(2)}x   goal >= ${def.goal}x: ${goals[name].met ? 'MET' : 'NOT MET'}`,
    );
  }
  printWarnings(runs, SERVER_CPU);

  const file = resultsFile('resource-server');
  await writeResults(file, {
    ...environment(),
    options: {
      ...OPTS,
      serverCpu: SERVER_CPU,
      loadgenCpu: LOADGEN_CPU,
      gatehouseNodeArgs: process.env.BENCH_GATEHOUSE_NODE_ARGS || undefined,
      gatehouseEnv: Object.fromEntries(
        Object.entries(GATEHOUSE_ENV).map(([k, v]) => [k, v ?? '(default)']),
      ),
    },
    scenarios: Object.fromEntries(OPTS.scenarios.map((name) => [name, SCENARIOS[name]])),
    goals,
    aborted,
    ratios,
    summary: cells,
    idleMemory,
    runs,
  });
  if (OPTS.cpuProfDir) {
    console.log(`CPU profiles: ${OPTS.cpuProfDir}`);
  }
  if (Object.keys(aborted).length) {
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
}
