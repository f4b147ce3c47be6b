import { Module } from '@nestjs/common';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { ClientsService } from './clients.service.js';

@Module({ imports: [RevocationsModule], providers: [ClientsService], exports: [ClientsService] })
export class ClientsModule {}
