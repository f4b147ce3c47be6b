// Where a protected API request's time goes: Gatehouse's Drive read taken apart stage by stage,
// next to a bare Nest 12 + Fastify route (bench/bare-nest-server.mjs), all loaded in the same
// run. bench/stage-probe-server.mjs is Gatehouse built exactly as `npm start` builds it, plus
// probe routes that answer the same JSON while doing a growing share of the read's work:
//
//   bare-nest     Nest + Fastify, one route, nothing else (the resource-server bench's baseline)
//   public        Gatehouse, a @Public() route: the app's floor (its hooks, headers, guard lookup)
//   guarded       + the access token guard (passport, cached JWT, revocation check, scopes)
//   guarded-sql   + the Drive's SELECT of the file
//   drive-read    the real GET /api/drive/files/<id> (the resource-server bench's jwt-cached)
//
// The table gives req/s, the time one request costs (1/req/s on one core) and each stage's
// ratio to bare-nest; the goals of issue 3 are ratios to bare-nest of the last line. One JWT
// user token (real sign-in and consent pages) for every guarded stage; servers on CPU 0,
// autocannon on CPU 1, 50 connections, interleaved rounds, every answer checked.
//
//   npm run bench:stages               build, then run with the defaults below
//   BENCH_DURATION=5 BENCH_WARMUP=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=50 node bench/resource-stages.mjs
//
// Results: the table on stdout and bench/results/resource-stages-<YYYY-MM-DD>.json.

/* global fetch, AbortSignal -- Node's built-in web APIs */
import { randomUUID } from 'node:crypto';
import { startGatehouse } from './support/gatehouse.mjs';
import { cannon, failed, measureLoad, num } from './support/load.mjs';
import { registerWebAppAndUser, REQUEST_TIMEOUT_MS, tokensViaPages } from './support/oauth.mjs';
import {
  freePort,
  installCleanup,
  installWatchdog,
  run,
  spawnServer,
  stopAllChildren,
  waitForReadyLine,
} from './support/processes.mjs';
import { environment, fmt, median, resultsFile, writeResults } from './support/report.mjs';

const SERVER_CPU = '0';
const OPTS = {
  connections: num('BENCH_CONNECTIONS', 50),
  duration: num('BENCH_DURATION', 5),
  warmup: num('BENCH_WARMUP', 5),
  rounds: num('BENCH_ROUNDS', 3),
};
const USER = { email: 'bench@example.com', password: 'correct horse battery staple' };
const REDIRECT_URI = 'https://app.example.com/callback';

installCleanup();
installWatchdog(180 + 5 * OPTS.rounds * (OPTS.duration + 2) + 5 * OPTS.warmup);

async function fetchText(url, init = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.status, text: await response.text() };
}

async function main() {
  run('taskset', ['-a', '-cp', '1', String(process.pid)]);
  // The probes answer a body of the Drive read's shape and size, fixed before the server starts.
  const probeBody = JSON.stringify({
    id: randomUUID(),
    name: 'bench.txt',
    media_type: 'text/plain',
    size: 5,
    created_at: new Date().toISOString(),
    content: 'hello',
  });
  const gatehouse = await startGatehouse({
    label: 'gatehouse-probes',
    entry: 'bench/stage-probe-server.mjs',
    env: { ACCESS_TOKEN_TTL: '1h', RESPONSE_BODY: probeBody },
    logLevel: 'warn',
    spawnOptions: { cpu: SERVER_CPU },
    setup: (cli) => ({ web: registerWebAppAndUser(cli, USER, REDIRECT_URI) }),
  });
  const tokens = await tokensViaPages(
    gatehouse.issuer,
    gatehouse.web,
    USER,
    'openid drive.read drive.write',
  );
  const authorization = `Bearer ${tokens.access_token}`;
  const created = await fetchText(`${gatehouse.issuer}/api/drive/files`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench.txt', content: 'hello' }),
  });
  const fileId = JSON.parse(created.text).id;
  const drivePath = `/api/drive/files/${fileId}`;
  const driveBody = (
    await fetchText(`${gatehouse.issuer}${drivePath}`, { headers: { authorization } })
  ).text;

  const port = await freePort();
  const bare = spawnServer(
    'bare-nest',
    ['bench/bare-nest-server.mjs'],
    { PORT: String(port), HOST: '127.0.0.1', RESPONSE_BODY: driveBody },
    { cpu: SERVER_CPU },
  );
  await waitForReadyLine(bare);

  const stages = [
    {
      name: 'bare-nest',
      child: bare,
      url: `http://127.0.0.1:${port}${drivePath}`,
      body: driveBody,
    },
    { name: 'public', url: `${gatehouse.issuer}/bench/public/${fileId}`, body: probeBody },
    { name: 'guarded', url: `${gatehouse.issuer}/bench/guarded/${fileId}`, body: probeBody },
    {
      name: 'guarded-sql',
      url: `${gatehouse.issuer}/bench/guarded-sql/${fileId}`,
      body: probeBody,
    },
    { name: 'drive-read', url: `${gatehouse.issuer}${drivePath}`, body: driveBody },
  ].map((stage) => ({ child: gatehouse.child, ...stage }));

  const runs = [];
  for (let round = 1; round <= OPTS.rounds; round++) {
    const order = round % 2 ? stages : [...stages].reverse();
    for (const stage of order) {
      const load = (duration) =>
        cannon({
          url: stage.url,
          headers: { authorization },
          connections: OPTS.connections,
          duration,
          verifyBody: (body) => body === stage.body,
          stopOnFailure: true,
        });
      await load(round === 1 ? OPTS.warmup : 1);
      const record = await measureLoad(stage.child, SERVER_CPU, () => load(OPTS.duration));
      if (failed(record)) {
        throw new Error(`${stage.name}: ${record.failure ?? JSON.stringify(record.statusCodes)}`);
      }
      runs.push({ stage: stage.name, round, ...record });
      console.log(`  round ${round} ${stage.name.padEnd(12)} ${fmt(record.rps).padStart(6)} req/s`);
    }
  }

  const rpsOf = (name) => median(runs.filter((r) => r.stage === name).map((r) => r.rps));
  const bareRps = rpsOf('bare-nest');
  const summary = [];
  console.log('\nstage         req/s   µs/request   vs bare-nest');
  for (const { name } of stages) {
    const rps = rpsOf(name);
    summary.push({ stage: name, rps, microsecondsPerRequest: 1e6 / rps, ratio: rps / bareRps });
    console.log(
      `${name.padEnd(12)} ${fmt(rps).padStart(6)}   ${fmt(1e6 / rps, 1).padStart(10)}   ${fmt(rps / bareRps, 2).padStart(10)}x`,
    );
  }
  await writeResults(resultsFile('resource-stages'), {
    ...environment(),
    options: OPTS,
    summary,
    runs,
  });
}

try {
  await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
}
