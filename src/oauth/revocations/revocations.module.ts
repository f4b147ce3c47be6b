import { Module } from '@nestjs/common';
import { RevocationList } from './revocation-list.js';

@Module({ providers: [RevocationList], exports: [RevocationList] })
export class RevocationsModule {}
