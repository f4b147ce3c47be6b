import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AccessToken, RequiresUser, Scopes } from '../auth/decorators.js';
import type { AccessTokenContext } from '../../tokens/access-token-context.js';
import { full, summary } from './drive-json.js';
import { DriveService } from './drive.service.js';
import {
  FileListSchema,
  FileSchema,
  ListQuerySchema,
  MAX_PAGE_SIZE,
  NewFileSchema,
  parseInput,
} from './drive.schemas.js';

/** The OpenAPI description of a zod schema: one definition validates and documents. */
const schema = (type: z.ZodType) =>
  z.toJSONSchema(type, { target: 'openapi-3.0', io: 'input' }) as SchemaObject;

/**
 * The sample protected API: a user's files. Every operation acts for the user who authorized
 * the token (its subject), so a client credentials token is refused (`@RequiresUser()`).
 */
@ApiTags('Drive')
@Controller('api/drive/files')
@RequiresUser()
export class DriveController {
  constructor(private readonly drive: DriveService) {}

  @Get()
  @Scopes('drive.read')
  @ApiOperation({ summary: "List the user's files, newest first" })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 },
  })
  @ApiQuery({ name: 'page_token', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: schema(FileListSchema) })
  async list(@AccessToken() token: AccessTokenContext, @Query() query: unknown) {
    const { limit, page_token: pageToken } = parseInput(ListQuerySchema, query);
    const page = await this.drive.list(token.subject, limit, pageToken);
    return {
      files: page.files.map(summary),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  }

  @Post()
  @Scopes('drive.write')
  @ApiOperation({ summary: 'Store a new file' })
  @ApiBody({ schema: schema(NewFileSchema) })
  @ApiCreatedResponse({ schema: schema(FileSchema), description: 'Location names the new file' })
  async create(
    @AccessToken() token: AccessTokenContext,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const file = await this.drive.create(token.subject, parseInput(NewFileSchema, body));
    void reply.header('Location', `/api/drive/files/${file.id}`);
    return full(file);
  }

  @Get(':id')
  @Scopes('drive.read')
  @ApiOperation({ summary: 'Read one file, with its content' })
  @ApiOkResponse({ schema: schema(FileSchema) })
  @ApiNotFoundResponse({ description: 'No such file in this user’s Drive' })
  async read(@AccessToken() token: AccessTokenContext, @Param('id') id: string) {
    return full(await this.drive.get(token.subject, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @Scopes('drive.write')
  @ApiOperation({ summary: 'Delete one file' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such file in this user’s Drive' })
  async remove(@AccessToken() token: AccessTokenContext, @Param('id') id: string): Promise<void> {
    await this.drive.delete(token.subject, id);
  }
}
