import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Eta } from 'eta';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PROJECT_ROOT } from './project-root.js';

/**
 * Renders the server-side pages in views/ with Eta; every interpolation is HTML-escaped. Every
 * page gets `it.brand` (the BRAND_* configuration) for the layout's header, title and footer.
 */
@Injectable()
export class ViewsService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private readonly eta = new Eta({
    views: join(PROJECT_ROOT, 'views'),
    cache: true,
    autoEscape: true,
  });

  render(template: string, data: Record<string, unknown> = {}): string {
    return this.eta.render(template, { formatDate, brand: this.config.brand, ...data });
  }

  /** Answers with a page: HTML, never cached (pages show a user's own data or one-time secrets). */
  send(reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200) {
    return reply
      .code(status)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(this.render(template, data));
  }
}

/** Times on pages: one unambiguous format, in UTC (the server does not know the reader's zone). */
function formatDate(date: Date): string {
  return `${date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' })} UTC`;
}
