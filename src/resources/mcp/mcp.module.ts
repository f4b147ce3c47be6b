import { Module } from '@nestjs/common';
import { DriveModule } from '../drive/drive.module.js';
import { McpController } from './mcp.controller.js';

/** The MCP server at /mcp: the Drive as tools, for the signed-in user (see mcp.controller.ts). */
@Module({ imports: [DriveModule], controllers: [McpController] })
export class McpModule {}
