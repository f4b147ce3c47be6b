import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PROJECT_ROOT } from '../common/project-root.js';
import { Public } from '../common/public.decorator.js';

const SWAGGER_UI = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files the page needs, and nothing else of swagger-ui-dist. */
const FILES: Record<string, { path: string; type: string }> = {
  'swagger-ui.css': { path: join(SWAGGER_UI, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': {
    path: join(SWAGGER_UI, 'swagger-ui-bundle.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'api-docs.js': {
    path: join(PROJECT_ROOT, 'public', 'api-docs.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/**
 * Swagger UI at /api/docs, served from swagger-ui-dist directly (the document itself is served by
 * SwaggerModule, see api-docs.ts). Not @nestjs/swagger's own UI route: that needs
 * @fastify/static, whose current release requires an ESM-only module the test runner cannot load.
 */
@Public()
@ApiExcludeController()
@Controller('api/docs')
export class ApiDocsController {
  private readonly page = readFileSync(join(PROJECT_ROOT, 'public', 'api-docs.html'), 'utf8');

  @Get()
  index(@Res() reply: FastifyReply): void {
    void reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(this.page);
  }

  @Get(':file')
  file(@Param('file') name: string, @Res() reply: FastifyReply): void {
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) {
      throw new NotFoundException('No such file.');
    }
    void reply
      .type(file.type)
      .header('Cache-Control', 'public, max-age=3600')
      .send(createReadStream(file.path));
  }
}
