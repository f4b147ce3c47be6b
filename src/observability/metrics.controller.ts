import { timingSafeEqual } from 'node:crypto';
import {
  Controller,
  Get,
  Headers,
  Inject,
  NotFoundException,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { metricsRegistry } from '../common/metrics.js';
import { Public } from '../common/public.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/**
 * `/metrics` for Prometheus, off unless METRICS_TOKEN is set; then only with
 * `Authorization: Bearer <METRICS_TOKEN>` (a scrape job's `authorization` setting). Not an
 * OAuth resource: the scraper is infrastructure, not a person or an application.
 */
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.token = config.metricsToken ? Buffer.from(config.metricsToken) : undefined;
  }

  @Get()
  async metrics(
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!this.token) {
      throw new NotFoundException('Metrics are off: set METRICS_TOKEN to serve them.');
    }
    const presented = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    if (presented.length !== this.token.length || !timingSafeEqual(presented, this.token)) {
      void reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedException('The metrics need the METRICS_TOKEN as a bearer token.');
    }
    await reply
      .header('Cache-Control', 'no-store')
      .type(metricsRegistry.contentType)
      .send(await metricsRegistry.metrics());
  }
}
