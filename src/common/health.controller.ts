import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Public } from './public.decorator.js';

/**
 * For load balancers and orchestrators: 200 while this instance can reach its database, 503
 * (with Retry-After, and one log line: see HttpErrorFilter) otherwise, so traffic moves to
 * instances that can serve it.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
}
