import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PROJECT_ROOT } from './project-root.js';
import { Public } from './public.decorator.js';

/** @simplewebauthn/browser's UMD bundle (global `SimpleWebAuthnBrowser`), served by us: no CDN. */
const WEBAUTHN_BROWSER = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);

interface Asset {
  type: string;
  body: string | Buffer;
}

/**
 * Serves the pages' stylesheets and scripts from public/, the branding stylesheet (the accent
 * colours of BRAND_ACCENT, as CSS variables: the CSP allows no inline style) and the
 * BRAND_LOGO_FILE, and the passkey ceremony's two scripts (ours and @simplewebauthn/browser's
 * bundle). There are only a few small files, read once; a static-file plugin would be
 * more machinery than the job needs.
 */
@Public()
@Controller('assets')
export class AssetsController {
  private readonly files: Map<string, Asset>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { brand } = config;
    const file = (name: string, type: string): [string, Asset] => [
      name,
      { type, body: readFileSync(join(PROJECT_ROOT, 'public', name), 'utf8') },
    ];
    this.files = new Map<string, Asset>([
      file('gatehouse.css', 'text/css; charset=utf-8'),
      file('auto-submit.js', 'text/javascript; charset=utf-8'),
      file('passkey.js', 'text/javascript; charset=utf-8'),
      [
        'simplewebauthn-browser.js',
        { type: 'text/javascript; charset=utf-8', body: readFileSync(WEBAUTHN_BROWSER, 'utf8') },
      ],
      [
        'brand.css',
        {
          type: 'text/css; charset=utf-8',
          body: `:root {\n  --accent: ${brand.accent};\n  --accent-text: ${brand.accentText};\n}\n`,
        },
      ],
    ]);
    if (brand.logoFile) {
      this.files.set('brand-logo', {
        type: brand.logoFile.contentType,
        body: readFileSync(brand.logoFile.path),
      });
    }
  }

  @Get(':name')
  @Header('Cache-Control', 'public, max-age=3600')
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const file = this.files.get(name);
    if (file === undefined) {
      throw new NotFoundException('No such asset.');
    }
    void reply.type(file.type);
    return file.body;
  }
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
