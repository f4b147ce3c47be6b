import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { metricsRegistry } from '../common/metrics.js';
import { MetricsController } from './metrics.controller.js';

/** The counters of pg's pool (PostgreSQL); SQLite has one connection and none. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

let registered = false;

/** `/metrics`, the process's own metrics, and the database pool's. */
@Module({ controllers: [MetricsController] })
export class ObservabilityModule implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    // One registry per process: a second app in it (the e2e tests) reads the latest pool.
    current = this.dataSource;
    if (registered) {
      return;
    }
    registered = true;
    collectDefaultMetrics({ register: metricsRegistry, prefix: 'gatehouse_' });
    new Gauge({
      name: 'gatehouse_db_pool_connections',
      help: 'PostgreSQL pool connections, by state (total, idle, waiting clients)',
      labelNames: ['state'] as const,
      registers: [metricsRegistry],
      collect() {
        const pool = (current?.driver as unknown as { master?: PgPool } | undefined)?.master;
        if (pool && typeof pool.totalCount === 'number') {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        }
      },
    });
  }
}

let current: DataSource | undefined;
