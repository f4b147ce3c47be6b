import {
  Controller,
  Get,
  Header,
  HttpStatus,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Public } from '../common/public.decorator.js';
import { RETRY_AFTER_SECONDS } from '../common/database-unavailable.js';
import { Readiness } from './readiness.js';

/**
 * For load balancers and orchestrators. `/health`: 200 while this instance can reach its
 * database, 503 (with Retry-After, and one log line: see HttpErrorFilter) otherwise, so traffic
 * moves to instances that can serve it. `/health/live`: the process answers (restart it when
 * not). `/health/ready`: database, keys and schema, each named (see Readiness).
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async check(): Promise<{ status: 'ok' }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      throw new ServiceUnavailableException('The database is unreachable.', { cause: error });
    }
    return { status: 'ok' };
  }

  /** Liveness: nothing but this process answering (a database outage is not a reason to restart). */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness, in terminus's shape: `{ status, info, error, details }`, 503 when one is down. */
  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    reply.header('Cache-Control', 'no-store');
    try {
      await reply.code(HttpStatus.OK).send(await this.readiness.check());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) {
        throw error;
      }
      await reply
        .code(HttpStatus.SERVICE_UNAVAILABLE)
        .header('Retry-After', String(RETRY_AFTER_SECONDS))
        .send(error.getResponse());
    }
  }
}
