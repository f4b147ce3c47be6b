import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { NotFoundError } from '../common/errors.js';
import { parseInput } from '../common/parse-input.js';
import { describeClient } from '../oauth/clients/client-view.js';
import { ClientsService } from '../oauth/clients/clients.service.js';
import { AccessToken, RequiresUser, Scopes } from '../resources/auth/decorators.js';
import type { AccessTokenContext } from '../tokens/access-token-context.js';
import { AdminUserGuard } from './admin-user.guard.js';
import {
  AppSchema,
  AuditPageSchema,
  CreatedAppSchema,
  NewAppSchema,
  parseAuditQuery,
  RotatedSecretSchema,
  RotateSecretSchema,
  toNewClient,
} from './admin.schemas.js';

const schema = (type: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(type, { target: 'openapi-3.0', io }) as SchemaObject;

/**
 * The management API: what /admin/apps does, as JSON, for an administrator's tools. Gatehouse
 * eats its own dog food: an access token for the API with the `admin` scope, issued to a user
 * who holds the admin role (checked on every request).
 */
@ApiTags('Admin')
@Controller('api/admin')
@RequiresUser()
@Scopes('admin')
@UseGuards(AdminUserGuard)
export class AdminApiController {
  constructor(
    private readonly clients: ClientsService,
    private readonly audit: AuditLog,
  ) {}

  @Get('apps')
  @ApiOperation({ summary: 'List registered applications' })
  @ApiOkResponse({ schema: schema(z.object({ apps: z.array(AppSchema) })) })
  async list() {
    return { apps: (await this.clients.list()).map((client) => describeClient(client)) };
  }

  @Post('apps')
  @ApiOperation({ summary: 'Register an application; its secret is in this response only' })
  @ApiBody({ schema: schema(NewAppSchema, 'input') })
  @ApiCreatedResponse({ schema: schema(CreatedAppSchema), description: 'Location names it' })
  async create(
    @Body() body: unknown,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { client, clientSecret } = await this.clients.create(
      toNewClient(parseInput(NewAppSchema, body)),
      actor(token, req),
    );
    void reply
      .code(201)
      .header('Location', `/api/admin/apps/${client.id}`)
      .header('Cache-Control', 'no-store');
    return { ...describeClient(client), ...(clientSecret ? { client_secret: clientSecret } : {}) };
  }

  @Get('apps/:id')
  @ApiOperation({ summary: 'One application' })
  @ApiOkResponse({ schema: schema(AppSchema) })
  @ApiNotFoundResponse({ description: 'No such application' })
  async read(@Param('id') id: string) {
    const client = await this.clients.find(id);
    if (!client) {
      throw new NotFoundError(`no application with client_id ${id}`);
    }
    return describeClient(client);
  }

  @Post('apps/:id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the secret; the old one keeps working for the grace period',
  })
  @ApiBody({ schema: schema(RotateSecretSchema, 'input'), required: false })
  @ApiOkResponse({ schema: schema(RotatedSecretSchema) })
  async rotate(
    @Param('id') id: string,
    @Body() body: unknown,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { grace_period: graceSeconds } = parseInput(RotateSecretSchema, body);
    const rotated = await this.clients.rotateSecret(id, { graceSeconds, actor: actor(token, req) });
    void reply.header('Cache-Control', 'no-store');
    return {
      client_id: id,
      client_secret: rotated.clientSecret,
      previous_secret_expires_at: rotated.previousSecretExpiresAt
        ? new Date(rotated.previousSecretExpiresAt).toISOString()
        : null,
    };
  }

  @Delete('apps/:id/secret/previous')
  @HttpCode(204)
  @ApiOperation({ summary: 'The secret replaced by the last rotation stops working now' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No such application, or no previous secret still working' })
  async revokePrevious(
    @Param('id') id: string,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    if (!(await this.clients.revokePreviousSecret(id, actor(token, req)))) {
      throw new NotFoundError(`application ${id} has no previous secret still working`);
    }
  }

  @Delete('apps/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an application and revoke every grant and token it holds' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'No such application' })
  async remove(
    @Param('id') id: string,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    await this.clients.delete(id, actor(token, req));
  }

  @Get('audit')
  @ApiOperation({ summary: 'Security events, newest first, filtered' })
  @ApiOkResponse({ schema: schema(AuditPageSchema) })
  async auditTrail(@Query() query: unknown) {
    const page = await this.audit.list(parseAuditQuery(query));
    return {
      events: page.events.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        event: e.event,
        outcome: e.outcome,
        actor: e.actorId,
        client_id: e.clientId,
        ip: e.ip,
        details: e.details,
      })),
      ...(page.next ? { next: page.next } : {}),
    };
  }
}

function actor(token: AccessTokenContext, req: FastifyRequest): Actor {
  return { id: token.subject, ip: req.ip };
}
