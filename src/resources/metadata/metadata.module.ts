import { Module } from '@nestjs/common';
import { ProtectedResourceMetadataController } from './protected-resource-metadata.controller.js';

/** RFC 9728 metadata of the resources in the registry (tokens/resources.ts). */
@Module({ controllers: [ProtectedResourceMetadataController] })
export class ResourceMetadataModule {}
