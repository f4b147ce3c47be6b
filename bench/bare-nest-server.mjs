// The floor for a Nest 12 + Fastify resource server: one controller, one route, no guard, no
// auth, no database, nothing else registered. The resource-server benchmark's `jwt-cached` and
// `opaque` scenarios compare Gatehouse with it.
//
// GET /api/drive/files/:id answers RESPONSE_BODY (the JSON Gatehouse returned for the same
// request), parsed once and returned as an object, so Nest and Fastify serialise it on every
// request as they do Gatehouse's. Plain JS (the bench is not compiled), so the decorators are
// applied by calling them.
//
// Environment: PORT (required), HOST (default 127.0.0.1), RESPONSE_BODY (required). Prints
// `BENCH_READY {}` once listening; serves until SIGTERM/SIGINT.

import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || !process.env.RESPONSE_BODY) {
  console.error('bare-nest-server: PORT and RESPONSE_BODY must be set');
  process.exit(2);
}
const file = JSON.parse(process.env.RESPONSE_BODY);

class FilesController {
  read() {
    return file;
  }
}
Controller('api/drive/files')(FilesController);
Get(':id')(
  FilesController.prototype,
  'read',
  Object.getOwnPropertyDescriptor(FilesController.prototype, 'read'),
);

class AppModule {}
Module({ controllers: [FilesController] })(AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter(), {
  logger: ['error', 'warn'],
});
await app.listen({ port, host });
process.stdout.write('BENCH_READY {}\n');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    // A clean exit (not death by signal) lets --cpu-prof write its profile.
    app.close().finally(() => process.exit(0));
  });
}
