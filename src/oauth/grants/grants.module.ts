import { Module } from '@nestjs/common';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { GrantsService } from './grants.service.js';

@Module({ imports: [RevocationsModule], providers: [GrantsService], exports: [GrantsService] })
export class GrantsModule {}
