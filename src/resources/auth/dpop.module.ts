import { Module } from '@nestjs/common';
import { DpopReplays } from './dpop-replays.js';

/** The DPoP proof-id memory, shared by the resource guard and `tokens:purge`. */
@Module({ providers: [DpopReplays], exports: [DpopReplays] })
export class DpopModule {}
