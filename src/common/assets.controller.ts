import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, HttpCode, NotFoundException, Param } from '@nestjs/common';
import { PROJECT_ROOT } from './project-root.js';
import { Public } from './public.decorator.js';

/**
 * Serves the pages' stylesheet(s) from public/. There are only a few small files, read once;
 * a static-file plugin would be more machinery than the job needs.
 */
@Public()
@Controller('assets')
export class AssetsController {
  private readonly files = new Map<string, string>([
    ['gatehouse.css', readFileSync(join(PROJECT_ROOT, 'public', 'gatehouse.css'), 'utf8')],
  ]);

  @Get(':name')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  stylesheet(@Param('name') name: string): string {
    const file = this.files.get(name);
    if (file === undefined) {
      throw new NotFoundException('No such asset.');
    }
    return file;
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
