import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, HttpCode, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PROJECT_ROOT } from './project-root.js';
import { Public } from './public.decorator.js';

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** @simplewebauthn/browser's UMD bundle (global `SimpleWebAuthnBrowser`), served by us: no CDN. */
const WEBAUTHN_BROWSER = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);

/**
 * Serves the pages' stylesheet and the passkey ceremony's two scripts (the pages' CSP allows
 * scripts from this origin only where a ceremony runs). There are only a few small files, read
 * once; a static-file plugin would be more machinery than the job needs.
 */
@Public()
@Controller('assets')
export class AssetsController {
  private readonly files = new Map<string, { body: string; type: string }>([
    ['gatehouse.css', { body: readPublic('gatehouse.css'), type: CSS }],
    ['passkey.js', { body: readPublic('passkey.js'), type: JS }],
    ['simplewebauthn-browser.js', { body: readFileSync(WEBAUTHN_BROWSER, 'utf8'), type: JS }],
  ]);

  @Get(':name')
  @Header('Cache-Control', 'public, max-age=3600')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const file = this.files.get(name);
    if (file === undefined) {
      throw new NotFoundException('No such asset.');
    }
    void reply.type(file.type).send(file.body);
  }
}

function readPublic(name: string): string {
  return readFileSync(join(PROJECT_ROOT, 'public', name), 'utf8');
}

/**
 * Browsers ask for /favicon.ico on their own; Gatehouse has no icon, and answers so without a
 * 404 in every console (pages also declare an empty icon).
 */
@Public()
@Controller()
export class FaviconController {
  @Get('favicon.ico')
  @HttpCode(204)
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): void {}
}
