import { Body, Controller, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  type SchemaObject,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Invitations, invitationSchema } from '../people/invitations.service.js';
import { AccessToken, RequiresUser, Scopes } from '../resources/auth/decorators.js';
import type { AccessTokenContext } from '../tokens/access-token-context.js';
import { AdminUserGuard } from './admin-user.guard.js';
import { TooManyRequestsJsonFilter } from './too-many-requests-json.filter.js';

const schema = (type: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(type, { target: 'openapi-3.0', io }) as SchemaObject;

const InvitationSchema = z.object({
  email: z.string(),
  expires_at: z.string().describe('ISO 8601; the link works until then, once'),
});

/**
 * Invitations through the management API (the `admin` scope and role): the invited address
 * gets an email with a link to create its account. The link itself is not in the answer: it
 * is the invited person's, and it reaches them by mail.
 */
@ApiTags('Admin')
@Controller('api/admin/users/invitations')
@RequiresUser()
@Scopes('admin')
@UseGuards(AdminUserGuard)
@UseFilters(TooManyRequestsJsonFilter)
export class InvitationsApiController {
  constructor(private readonly invitations: Invitations) {}

  @Post()
  @ApiOperation({ summary: 'Invite an email address to create an account' })
  @ApiBody({ schema: schema(invitationSchema, 'input') })
  @ApiCreatedResponse({ schema: schema(InvitationSchema) })
  @ApiConflictResponse({ description: 'The address already has an account' })
  @ApiTooManyRequestsResponse({ description: 'Too many invitations for this address; Retry-After' })
  async invite(
    @Body() body: unknown,
    @AccessToken() token: AccessTokenContext,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const sent = await this.invitations.invite(body, { id: token.subject, ip: req.ip });
    void reply.code(201).header('Cache-Control', 'no-store');
    return { email: sent.email, expires_at: sent.expiresAt.toISOString() };
  }
}
