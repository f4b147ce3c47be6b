import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyEntity } from './key.entity.js';
import { KeysService } from './keys.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([KeyEntity])],
  providers: [KeysService],
  exports: [KeysService],
})
export class KeysModule {}
