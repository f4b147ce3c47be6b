import { Body, Controller, Get, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminPage, PageUser } from '../account/page-access.decorators.js';
import type { Actor } from '../audit/audit-event.js';
import { CsrfService } from '../common/csrf.service.js';
import { NotFoundError, UserInputError } from '../common/errors.js';
import { type FormFields, problemsOf, text } from '../common/form-fields.js';
import { Public } from '../common/public.decorator.js';
import { ViewsService } from '../common/views.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { UserEntity } from '../identity/user.entity.js';
import { CLIENT_TYPES, type ClientEntity } from '../oauth/clients/client.entity.js';
import { ClientsService } from '../oauth/clients/clients.service.js';
import { resourceServers } from '../tokens/resources.js';
import { SCOPES } from '../tokens/scopes.js';
import { graceFromForm, newClientFromForm, registrationValues } from './app-forms.js';

/**
 * The administrators' pages: applications (register by type, see the secret once, rotate it
 * with a grace period, revoke the previous one, delete) and the audit trail. Server-rendered,
 * no script, CSRF tokens on every form; signed in like /account, and only for users with the
 * admin role (`@AdminPage()`: anyone else gets a 403 page).
 */
@Public()
@ApiExcludeController()
@Controller('admin')
export class AdminPagesController {
  constructor(
    private readonly clients: ClientsService,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  home(@Res() reply: FastifyReply) {
    return reply.code(HttpStatus.SEE_OTHER).redirect('/admin/apps');
  }

  @Get('apps')
  @AdminPage()
  async list(@Res() reply: FastifyReply) {
    return this.page(reply, 'admin-apps', { apps: await this.clients.list() });
  }

  @Get('apps/new')
  @AdminPage()
  newApp(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.registrationForm(req, reply, {});
  }

  @Post('apps')
  @AdminPage()
  async create(
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    try {
      const { client, clientSecret } = await this.clients.create(
        newClientFromForm(form),
        this.actor(admin, req),
      );
      // The secret is in this response only: no redirect that would need to carry it.
      return this.appPage(req, reply, client, { secret: clientSecret, created: true }, 201);
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      return this.registrationForm(req, reply, form, problemsOf(error), 400);
    }
  }

  @Get('apps/:id')
  @AdminPage()
  async show(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.appPage(req, reply, await this.get(id), {});
  }

  @Post('apps/:id/rotate-secret')
  @AdminPage()
  async rotate(
    @Param('id') id: string,
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const rotated = await this.clients.rotateSecret(id, {
      graceSeconds: graceFromForm(form),
      actor: this.actor(admin, req),
    });
    return this.appPage(req, reply, await this.get(id), { secret: rotated.clientSecret });
  }

  @Post('apps/:id/revoke-secret')
  @AdminPage()
  async revokeSecret(
    @Param('id') id: string,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const revoked = await this.clients.revokePreviousSecret(id, this.actor(admin, req));
    return this.appPage(req, reply, await this.get(id), {
      notice: revoked
        ? 'The previous secret no longer works.'
        : 'There was no previous secret still working.',
    });
  }

  @Post('apps/:id/delete')
  @AdminPage()
  async remove(
    @Param('id') id: string,
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const client = await this.get(id);
    if (text(form, 'confirm') !== client.name) {
      return this.appPage(
        req,
        reply,
        client,
        { deleteError: `Type the application's name, ${client.name}, to delete it.` },
        400,
      );
    }
    await this.clients.delete(id, this.actor(admin, req));
    return this.page(reply, 'admin-apps', {
      apps: await this.clients.list(),
      notice: `${client.name} was deleted; its grants and tokens were revoked.`,
    });
  }

  private actor(admin: UserEntity, req: FastifyRequest): Actor {
    return { id: admin.id, ip: req.ip };
  }

  private async get(id: string): Promise<ClientEntity> {
    const client = await this.clients.find(id);
    if (!client) {
      throw new NotFoundError(`No application with client_id ${id}`);
    }
    return client;
  }

  private registrationForm(
    req: FastifyRequest,
    reply: FastifyReply,
    form: FormFields,
    problems: string[] = [],
    status = 200,
  ) {
    return this.page(
      reply,
      'admin-app-new',
      {
        values: registrationValues(form, problems.length > 0),
        problems,
        types: CLIENT_TYPES,
        scopes: Object.entries(SCOPES).map(([name, description]) => ({ name, description })),
        resources: resourceServers(this.config.issuer).map((server) => server.resource),
        csrfToken: this.csrf.issue(req, reply),
      },
      status,
    );
  }

  private appPage(
    req: FastifyRequest,
    reply: FastifyReply,
    client: ClientEntity,
    extra: { secret?: string; created?: boolean; notice?: string; deleteError?: string },
    status = 200,
  ) {
    const previousUntil =
      client.previousSecretExpiresAt && client.previousSecretExpiresAt > Date.now()
        ? new Date(client.previousSecretExpiresAt)
        : undefined;
    return this.page(
      reply,
      'admin-app',
      {
        client,
        previousUntil,
        confidential: client.type === 'web' || client.type === 'service',
        defaultGrace: `${Math.round(this.config.clientSecretGrace / 3600)}h`,
        csrfToken: this.csrf.issue(req, reply),
        ...extra,
      },
      status,
    );
  }

  private page(reply: FastifyReply, view: string, data: Record<string, unknown>, status = 200) {
    return this.views.send(reply, view, data, status);
  }
}
