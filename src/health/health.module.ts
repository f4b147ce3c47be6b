import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KeysModule } from '../keys/keys.module.js';
import { HealthController } from './health.controller.js';
import { Readiness } from './readiness.js';

/** /health, /health/live and /health/ready, for load balancers and orchestrators. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), KeysModule],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}
