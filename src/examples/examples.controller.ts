import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PROJECT_ROOT } from '../common/project-root.js';
import { Public } from '../common/public.decorator.js';

/** The example SPA may run its own script and call this origin; nothing else. */
const SPA_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

/**
 * Serves examples/spa (a single-page app signing in with Gatehouse) at /examples/spa while
 * developing: on unless NODE_ENV=production, or as SERVE_EXAMPLES says.
 */
@Public()
@ApiExcludeController()
@Controller('examples/spa')
export class ExamplesController {
  private readonly files = new Map(
    Object.keys(FILES).map((name) => [
      name,
      readFileSync(join(PROJECT_ROOT, 'examples', 'spa', name), 'utf8'),
    ]),
  );

  @Get()
  index(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get(':file')
  file(@Param('file') name: string, @Res() reply: FastifyReply): void {
    if (!Object.hasOwn(FILES, name)) {
      throw new NotFoundException('No such file.');
    }
    this.send(reply, name);
  }

  private send(reply: FastifyReply, name: string): void {
    void reply
      .type(FILES[name])
      .header('Content-Security-Policy', SPA_CSP)
      .header('Cache-Control', 'no-cache')
      .send(this.files.get(name));
  }
}
