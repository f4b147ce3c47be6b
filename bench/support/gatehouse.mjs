// Gatehouse for the benchmarks, started as `npm start` starts it: dist/src/main.js with the node
// flags of package.json's start script, on a fresh SQLite file under a temp DATA_DIR, on
// 127.0.0.1 and a free port, with the issuer http://127.0.0.1:<port>.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  gatehouseStartFlags,
  run,
  spawnServer,
  tempDirs,
  waitForHttp,
} from './processes.mjs';

/**
 * Starts one Gatehouse. `env`: more configuration; a variable given as `undefined` is passed
 * empty, which Gatehouse reads as unset (its default), whatever the calling shell has set.
 * `setup(cli)` runs before the server starts, on the same database and environment (create
 * users and clients there: the CLI applies the migrations); whatever it returns is merged into
 * the result, `{ label, child, issuer, env, cli }`. BENCH_GATEHOUSE_NODE_ARGS adds node flags
 * (experiments only). `entry`: the script to run instead of dist/src/main.js (a probe server
 * that builds the same app). `port`: listen there instead of a free port (a restart on the same
 * database keeps its issuer); `dataDir`: use that DATA_DIR instead of a fresh one.
 */
export async function startGatehouse({
  label = 'gatehouse',
  env: extraEnv = {},
  setup,
  spawnOptions = {},
  logLevel = 'error',
  entry = 'dist/src/main.js',
  port: fixedPort,
  dataDir: givenDataDir,
} = {}) {
  const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  tempDirs.add(dataDir);
  const port = fixedPort ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    LOG_LEVEL: logLevel,
    ...Object.fromEntries(Object.entries(extraEnv).map(([k, v]) => [k, v ?? ''])),
  };
  delete process.env.DATABASE_URL; // always the fresh SQLite file under DATA_DIR
  const cli = (...args) =>
    JSON.parse(run(process.execPath, ['dist/src/cli/main.js', ...args, '--json'], env));
  const prepared = setup ? await setup(cli) : {};

  // The node flags `npm start` uses (package.json), so the bench measures what users run.
  const extra = (process.env.BENCH_GATEHOUSE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawnServer(label, [...gatehouseStartFlags(), ...extra, entry], env, spawnOptions);
  await waitForHttp(`${issuer}/.well-known/openid-configuration`, child);
  return { ...prepared, label, child, issuer, env, cli };
}
