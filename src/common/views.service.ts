import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import { PROJECT_ROOT } from './project-root.js';

/** Renders the server-side pages in views/ with Eta; every interpolation is HTML-escaped. */
@Injectable()
export class ViewsService {
  private readonly eta = new Eta({
    views: join(PROJECT_ROOT, 'views'),
    cache: true,
    autoEscape: true,
  });

  render(template: string, data: Record<string, unknown> = {}): string {
    return this.eta.render(template, data);
  }
}
