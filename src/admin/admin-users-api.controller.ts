import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConnectedApps } from '../account/connected-apps.service.js';
import type { Actor } from '../audit/audit-event.js';
import { parseInput } from '../common/parse-input.js';
import { UsersService } from '../identity/users.service.js';
import { UserLifecycle } from '../people/user-lifecycle.service.js';
import { describeUser } from '../people/user-view.js';
import { AccessToken, RequiresUser, Scopes } from '../resources/auth/decorators.js';
import type { AccessTokenContext } from '../tokens/access-token-context.js';
import { AdminUserGuard } from './admin-user.guard.js';
import {
  parseUserListQuery,
  SetPasswordSchema,
  UserDetailSchema,
  UserPageSchema,
  UserPatchSchema,
  UserSchema,
} from './admin-users.schemas.js';

const schema = (type: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(type, { target: 'openapi-3.0', io }) as SchemaObject;

const REFUSED = 'Bad input';
const LOCKOUT = 'A change that would lock out its own administrator or the last one';

/** /api/admin/users: what /admin/users does, as JSON, for an administrator's tools. */
@ApiTags('Admin')
@Controller('api/admin/users')
@RequiresUser()
@Scopes('admin')
@UseGuards(AdminUserGuard)
export class AdminUsersApiController {
  constructor(
    private readonly users: UsersService,
    private readonly lifecycle: UserLifecycle,
    private readonly apps: ConnectedApps,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Users by email; `search` matches part of the email or the name' })
  @ApiOkResponse({ schema: schema(UserPageSchema) })
  async list(@Query() query: unknown) {
    const page = await this.users.list(parseUserListQuery(query));
    return { users: page.users.map(describeUser), ...(page.next ? { next: page.next } : {}) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user, with their sessions and connected apps' })
  @ApiOkResponse({ schema: schema(UserDetailSchema) })
  @ApiNotFoundResponse({ description: 'No such user' })
  async read(@Param('id') id: string) {
    const user = await this.lifecycle.find(id);
    return {
      ...describeUser(user),
      sessions: await this.lifecycle.countSessions(user.id),
      connected_apps: (await this.apps.list(user.id)).map((app) => ({
        client_id: app.clientId,
        name: app.name,
      })),
    };
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, give or take the admin role, disable (revoking all access) or enable',
  })
  @ApiBody({ schema: schema(UserPatchSchema, 'input') })
  @ApiOkResponse({ schema: schema(UserSchema) })
  @ApiBadRequestResponse({ description: REFUSED })
  @ApiConflictResponse({ description: LOCKOUT })
  @ApiNotFoundResponse({ description: 'No such user' })
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
  ) {
    const changes = parseInput(UserPatchSchema, body);
    const user = await this.lifecycle.update(
      (await this.lifecycle.find(id)).id,
      { ...changes, name: changes.name === undefined ? undefined : changes.name || null },
      actor(token, req),
    );
    return describeUser(user);
  }

  @Post(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set the password (the policy applies); the user is signed out' })
  @ApiBody({ schema: schema(SetPasswordSchema, 'input') })
  @ApiNoContentResponse({ description: 'Set' })
  @ApiBadRequestResponse({ description: 'The password is refused, with the reason' })
  @ApiNotFoundResponse({ description: 'No such user' })
  async setPassword(
    @Param('id') id: string,
    @Body() body: unknown,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    const { password } = parseInput(SetPasswordSchema, body);
    await this.lifecycle.setPassword(
      (await this.lifecycle.find(id)).id,
      password,
      actor(token, req),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user with their sessions, authorizations, tokens and Drive files',
  })
  @ApiNoContentResponse({ description: 'Deleted; their audit events name a pseudonym' })
  @ApiBadRequestResponse({ description: REFUSED })
  @ApiConflictResponse({ description: LOCKOUT })
  @ApiNotFoundResponse({ description: 'No such user' })
  async remove(
    @Param('id') id: string,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    await this.lifecycle.delete((await this.lifecycle.find(id)).id, actor(token, req));
  }
}

function actor(token: AccessTokenContext, req: FastifyRequest): Actor {
  return { id: token.subject, ip: req.ip };
}
