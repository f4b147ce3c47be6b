// Token endpoint benchmark: Gatehouse (dist/, SQLite) against a minimal standalone oidc-provider 9
// (bench/standalone-provider.mjs, default in-memory adapter), two scenarios each:
//   client_credentials  POST /oauth/token grant_type=client_credentials scope=drive.read
//                       (client_secret_basic; a JWT access token for `${issuer}/api`)
//   refresh_token       POST /oauth/token grant_type=refresh_token (confidential web client;
//                       Gatehouse's token comes from the real sign-in + consent pages and is
//                       replayed: confidential clients rotate only after 70% of its lifetime;
//                       scope openid offline_access -> opaque access token + ID token)
//
// Both servers run at once as children pinned to CPU 0 (`taskset -c 0`); this process (autocannon)
// pins itself to CPU 1. Cells are measured in interleaved rounds (GH cc, SA cc, GH rt, SA rt, with
// the server order alternating per round) and summarised by their median, so drift in the
// machine's speed hits both servers alike. Everything is on 127.0.0.1; every loop is bounded.
//
//   npm run bench                      build, then run with the defaults below
//   BENCH_DURATION=6 BENCH_WARMUP=10 BENCH_ROUNDS=5 BENCH_CONNECTIONS=10 node bench/token-endpoint.mjs
//   BENCH_ONLY=gatehouse BENCH_SCENARIOS=client_credentials BENCH_ROUNDS=1 BENCH_CPU_PROF=bench/profiles \
//     node bench/token-endpoint.mjs    one server/scenario, with a V8 CPU profile of the server
//                                      (summarise it with bench/cpuprofile-top.mjs)
//   BENCH_GATEHOUSE_NODE_ARGS='--import ./x.mjs'   extra node flags for the Gatehouse child only
//   BENCH_OUT=/tmp/x.json             write the JSON results elsewhere (experiments)
//
// Results: a table on stdout and bench/results/token-endpoint-<YYYY-MM-DD>.json (one per day).

/* global fetch -- Node's built-in web API (eslint.config.js declares only a few globals) */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { URLSearchParams } from 'node:url';
import { startGatehouse } from './support/gatehouse.mjs';
import { cannon, measureLoad, num } from './support/load.mjs';
import { basic, refreshTokenViaPages, registerWebAppAndUser } from './support/oauth.mjs';
import {
  freePort,
  installCleanup,
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
const OPTS = {
  connections: num('BENCH_CONNECTIONS', 10),
  duration: num('BENCH_DURATION', 6),
  /** First warm-up of each server x scenario; later rounds re-warm for 1 s. */
  warmup: num('BENCH_WARMUP', 10),
  rounds: num('BENCH_ROUNDS', 5),
  servers: (process.env.BENCH_ONLY ?? 'gatehouse,standalone').split(','),
  scenarios: (process.env.BENCH_SCENARIOS ?? 'client_credentials,refresh_token').split(','),
  cpuProfDir: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined,
};
const GOALS = { issuanceRatio: 0.7, rssMb: 200 };
const USER = { email: 'bench@example.com', password: 'correct horse battery staple' };
const serverSpawnOptions = { cpu: SERVER_CPU, cpuProfDir: OPTS.cpuProfDir };

installCleanup();

// ---------------------------------------------------------------------------------------------
// Servers.

async function startGatehouseServer() {
  const redirectUri = 'https://app.example.com/callback';
  const server = await startGatehouse({
    spawnOptions: serverSpawnOptions,
    setup: (cli) => {
      // The CLI applies migrations on the fresh database before the server ever starts.
      const service = cli(
        'clients:create',
        '--name',
        'Bench service',
        '--type',
        'service',
        '--scope',
        'drive.read drive.write',
      );
      const web = registerWebAppAndUser(cli, USER, redirectUri);
      return {
        service: { clientId: service.client_id, clientSecret: service.client_secret },
        web,
      };
    },
  });
  const refreshToken = await refreshTokenViaPages(server.issuer, server.web, USER);
  return {
    name: 'gatehouse',
    child: server.child,
    issuer: server.issuer,
    service: server.service,
    web: server.web,
    refreshTokens: [refreshToken],
  };
}

async function startStandalone() {
  const port = await freePort();
  const child = spawnServer(
    'standalone',
    ['bench/standalone-provider.mjs'],
    { PORT: String(port), HOST: '127.0.0.1' },
    serverSpawnOptions,
  );
  const ready = await waitForReadyLine(child);
  return { name: 'standalone', child, ...ready };
}

// ---------------------------------------------------------------------------------------------
// Scenarios and measurement.

function scenario(server, name) {
  const tokens = server.refreshTokens ?? [];
  if (name === 'client_credentials') {
    return {
      auth: basic(server.service.clientId, server.service.clientSecret),
      bodies: [
        new URLSearchParams({ grant_type: 'client_credentials', scope: 'drive.read' }).toString(),
      ],
      check: (body) =>
        typeof body.access_token === 'string' &&
        body.access_token.split('.').length === 3 &&
        body.scope === 'drive.read',
    };
  }
  if (name === 'refresh_token') {
    return {
      auth: basic(server.web.clientId, server.web.clientSecret),
      bodies: tokens.map((token) =>
        new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
      ),
      // Not rotated (confidential client, young token): the same token comes back.
      check: (body, sent) =>
        typeof body.access_token === 'string' &&
        typeof body.id_token === 'string' &&
        sent.includes(body.refresh_token),
    };
  }
  throw new Error(`unknown scenario ${name}`);
}

/** One request by hand: the scenario must work before and after it is loaded. */
async function probe(server, name, s, when) {
  const body = s.bodies[0];
  const response = await fetch(`${server.issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: s.auth, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = await response.json().catch(() => ({}));
  if (response.status !== 200 || !s.check(json, body)) {
    throw new Error(
      `${server.name} ${name}: request ${when} the load failed (${response.status}): ${JSON.stringify(json)}`,
    );
  }
}

function load(server, s, duration) {
  return cannon({
    url: `${server.issuer}/oauth/token`,
    method: 'POST',
    connections: OPTS.connections,
    duration,
    headers: { authorization: s.auth, 'content-type': 'application/x-www-form-urlencoded' },
    // Several bodies (the standalone's refresh tokens): cycled through.
    bodies: s.bodies,
    // Every response is checked to be a token response, not just a 2xx.
    verifyBody: (body) => body.includes('"access_token"'),
  });
}

async function measure(server, name, round, warmup) {
  const s = scenario(server, name);
  await probe(server, name, s, 'before');
  await load(server, s, warmup);
  const measured = await measureLoad(server.child, SERVER_CPU, () =>
    load(server, s, OPTS.duration),
  );
  await probe(server, name, s, 'after');
  return { server: server.name, scenario: name, round, ...measured };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` (npm run bench does)');
  }
  // The load generator gets the other core; the servers are started with `taskset -c 0`.
  run('taskset', ['-a', '-cp', LOADGEN_CPU, String(process.pid)]);
  console.log(
    `token-endpoint bench: ${OPTS.connections} connections; ${OPTS.warmup} s warm-up, then ${OPTS.rounds} round(s) of ` +
      `1 s + ${OPTS.duration} s measured per server x scenario; servers on CPU ${SERVER_CPU}, autocannon on CPU ${LOADGEN_CPU}; ` +
      `${cpus()[0]?.model ?? ''}, Node ${process.version}`,
  );

  const servers = [];
  const idleMemory = {};
  for (const name of OPTS.servers) {
    const started = Date.now();
    const server =
      name === 'gatehouse'
        ? await startGatehouseServer()
        : name === 'standalone'
          ? await startStandalone()
          : null;
    if (!server) {
      throw new Error(`unknown server ${name} (BENCH_ONLY=gatehouse,standalone)`);
    }
    servers.push(server);
    idleMemory[name] = memoryOf(server.child.pid);
    console.log(
      `${name}: ready in ${Date.now() - started} ms at ${server.issuer}, pid ${server.child.pid}, ` +
        `RSS ${fmt(idleMemory[name].rssMb, 1)} MB (peak ${fmt(idleMemory[name].hwmMb, 1)})`,
    );
  }

  const runs = [];
  for (let round = 1; round <= OPTS.rounds; round++) {
    for (const scenarioName of OPTS.scenarios) {
      const order = round % 2 ? servers : [...servers].reverse();
      for (const server of order) {
        const result = await measure(server, scenarioName, round, round === 1 ? OPTS.warmup : 1);
        runs.push(result);
        console.log(
          `  round ${round} ${server.name.padEnd(10)} ${scenarioName.padEnd(18)} ${fmt(result.rps).padStart(5)} req/s  ` +
            `p50 ${fmt(result.latencyMs.p50, 1)} ms  p99 ${fmt(result.latencyMs.p99, 1)} ms  non-2xx ${result.non2xx + result.badBodies}  ` +
            `RSS ${fmt(result.rssMb, 1)} MB`,
        );
      }
    }
  }
  await Promise.all(servers.map((server) => stopServer(server.child)));

  const cells = summarise(runs, OPTS.servers, OPTS.scenarios);
  printTable(cells);
  const ratios = ratiosOf(runs, OPTS.scenarios, OPTS.rounds);
  console.log('');
  for (const [name, ratio] of Object.entries(ratios)) {
    console.log(
      `gatehouse/standalone ${name.padEnd(18)} req/s ${ratio.rps.toFixed(2)}x (rounds ${ratio.rpsRounds.map((r) => r.toFixed(2)).join('/')})` +
        `   req/CPU-s ${ratio.reqPerCpuSecond.toFixed(2)}x   p99 ${ratio.p99.toFixed(2)}x`,
    );
  }
  const goals = {};
  if (ratios.client_credentials) {
    const value = ratios.client_credentials.rps;
    goals.issuanceRatio = {
      goal: `>= ${GOALS.issuanceRatio}x standalone`,
      value,
      met: value >= GOALS.issuanceRatio,
    };
  }
  const gatehouseCells = cells.filter((c) => c.server === 'gatehouse');
  if (gatehouseCells.length) {
    const peak = Math.max(...gatehouseCells.map((c) => c.hwmMb));
    goals.rss = { goal: `< ${GOALS.rssMb} MB (peak VmHWM)`, value: peak, met: peak < GOALS.rssMb };
  }
  for (const [name, goal] of Object.entries(goals)) {
    console.log(
      `goal ${name}: ${goal.goal}; measured ${fmt(goal.value, 2)} -> ${goal.met ? 'MET' : 'NOT MET'}`,
    );
  }
  printWarnings(runs, SERVER_CPU);

  const file = resultsFile('token-endpoint');
  const report = {
    ...environment(),
    options: {
      ...OPTS,
      serverCpu: SERVER_CPU,
      loadgenCpu: LOADGEN_CPU,
      gatehouseNodeArgs: process.env.BENCH_GATEHOUSE_NODE_ARGS || undefined,
    },
    goals,
    ratios,
    summary: cells,
    idleMemory,
    runs,
  };
  await writeResults(file, report);
  if (OPTS.cpuProfDir) {
    console.log(`CPU profiles: ${OPTS.cpuProfDir}`);
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
