// Gatehouse exactly as `npm start` runs it (dist/src/main.js's createApp, same configuration
// from the environment), plus three probe routes that answer the Drive read's JSON while doing
// a growing share of its work. bench/resource-stages.mjs loads them next to the real Drive read
// to show what each stage of a protected API request costs:
//
//   GET /bench/public/:id       @Public(), answers the body from memory (the app's floor: its
//                               Fastify hooks, security headers, the global guard's policy lookup)
//   GET /bench/guarded/:id      + the access token guard with @Scopes('drive.read')
//   GET /bench/guarded-sql/:id  + the Drive's SELECT for the file (plain SQL, as DriveService)
//
// Environment: Gatehouse's, plus RESPONSE_BODY (the JSON to answer). Plain JS (the bench is not
// compiled), so the decorators are applied by calling them.

import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createApp, createLogger } from '../dist/src/app.setup.js';
import { Public } from '../dist/src/common/public.decorator.js';
import { loadConfig } from '../dist/src/config/load-config.js';
import { Sql } from '../dist/src/database/sql.js';
import { Scopes } from '../dist/src/resources/auth/decorators.js';

if (!process.env.RESPONSE_BODY) {
  console.error('stage-probe-server: RESPONSE_BODY must be set');
  process.exit(2);
}
const body = JSON.parse(process.env.RESPONSE_BODY);
let sql;

function route(path, handler, ...decorators) {
  const Probe = { [`${path}Probe`]: class {} }[`${path}Probe`];
  Probe.prototype.read = handler;
  const descriptor = Object.getOwnPropertyDescriptor(Probe.prototype, 'read');
  Controller(`bench/${path}`)(Probe);
  for (const decorate of [Get(':id'), ...decorators]) {
    decorate(Probe.prototype, 'read', descriptor);
  }
  return Probe;
}

const controllers = [
  route('public', () => body, Public()),
  route('guarded', () => body, Scopes('drive.read')),
  route(
    'guarded-sql',
    async (id) => {
      const [row] = await sql.query(
        'SELECT id, name, media_type, size, created_at, content FROM drive_files WHERE id = ?',
        [id],
      );
      if (!row) {
        throw new Error(`no file ${id}`);
      }
      return body;
    },
    Scopes('drive.read'),
  ),
];
Param('id')(controllers[2].prototype, 'read', 0);

class ProbeModule {}
Module({ controllers })(ProbeModule);

const config = loadConfig();
const app = await createApp(config, createLogger(config), [ProbeModule]);
sql = new Sql(app.get(getDataSourceToken()));
app.enableShutdownHooks();
await app.listen({ port: config.port, host: config.host });
process.stdout.write('BENCH_READY {}\n');
