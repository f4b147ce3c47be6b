import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DriveFileEntity } from './drive-file.entity.js';
import { DriveController } from './drive.controller.js';
import { DriveService } from './drive.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([DriveFileEntity])],
  controllers: [DriveController],
  providers: [DriveService],
  exports: [DriveService],
})
export class DriveModule {}
