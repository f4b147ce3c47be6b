// A preload for the benchmarks (`node --import ./bench/support/count-statements.mjs ...`) that
// counts every SQL statement the process sends, by text, on both drivers: each pg
// `Client#query` (one round trip to PostgreSQL: pg sends parse/bind/execute/sync in one write)
// and each execution of a better-sqlite3 statement (`run`/`get`/`all`/`iterate`, plus `exec`
// and `pragma`). It changes nothing else. On SIGUSR2 it writes the totals so far to
// BENCH_STATEMENTS_FILE (atomically: a temp file, then a rename), as
// `{ statements: { "<text>": n, ... }, connects: n }`; the benchmark diffs two snapshots.
// Bench-only: the application never loads this.

import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';

const require = createRequire(import.meta.url);
const statements = new Map();
let connects = 0;

const count = (text) => {
  const key = String(text ?? '<none>')
    .replace(/\s+/g, ' ')
    .trim();
  statements.set(key, (statements.get(key) ?? 0) + 1);
};

try {
  const pg = require('pg');
  const { query, connect } = pg.Client.prototype;
  pg.Client.prototype.query = function countedQuery(config, ...rest) {
    count(typeof config === 'string' ? config : config?.text);
    return query.call(this, config, ...rest);
  };
  pg.Client.prototype.connect = function countedConnect(...args) {
    connects++;
    return connect.apply(this, args);
  };
} catch {
  // pg not installed: SQLite only
}

const Database = require('better-sqlite3');
const { prepare, exec, pragma } = Database.prototype;
const patched = new WeakSet();
Database.prototype.prepare = function countedPrepare(...args) {
  const statement = prepare.apply(this, args);
  const proto = Object.getPrototypeOf(statement);
  if (!patched.has(proto)) {
    patched.add(proto);
    for (const method of ['run', 'get', 'all', 'iterate']) {
      const original = proto[method];
      proto[method] = function countedExecution(...params) {
        count(this.source);
        return original.apply(this, params);
      };
    }
  }
  return statement;
};
Database.prototype.exec = function countedExec(source) {
  count(source);
  return exec.call(this, source);
};
Database.prototype.pragma = function countedPragma(source, ...rest) {
  count(`PRAGMA ${source}`);
  return pragma.call(this, source, ...rest);
};

const file = process.env.BENCH_STATEMENTS_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    writeFileSync(
      `${file}.tmp`,
      JSON.stringify({ statements: Object.fromEntries(statements), connects }),
    );
    renameSync(`${file}.tmp`, file);
  });
}
