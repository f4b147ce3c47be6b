import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConnectedApps } from '../account/connected-apps.service.js';
import { AdminPage, PageUser } from '../account/page-access.decorators.js';
import type { Actor } from '../audit/audit-event.js';
import { CsrfService } from '../common/csrf.service.js';
import { ConflictError, UserInputError } from '../common/errors.js';
import { type FormFields, single } from '../common/form-fields.js';
import { ViewsService } from '../common/views.service.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UsersService } from '../identity/users.service.js';
import { UserLifecycle } from '../people/user-lifecycle.service.js';
import { parseUserListQuery } from './admin-users.schemas.js';

/** The confirmable actions on a user's page: what the confirmation asks, what it says after. */
const ACTIONS = {
  disable: {
    question: 'Disable {email}?',
    explain:
      'They are signed out everywhere, every app they allowed loses its access and their personal tokens are deleted, at once. They cannot sign in until enabled again.',
    button: 'Disable user',
    done: '{email} was disabled; their sessions, authorizations and tokens were revoked.',
  },
  enable: {
    question: 'Enable {email}?',
    explain: 'They can sign in again. Apps they allowed before must ask again.',
    button: 'Enable user',
    done: '{email} can sign in again.',
  },
  'make-admin': {
    question: 'Make {email} an administrator?',
    explain: 'They can manage applications and users, and read the audit trail.',
    button: 'Make admin',
    done: '{email} is now an administrator.',
  },
  'remove-admin': {
    question: 'Remove the admin role of {email}?',
    explain: 'They keep their account but can no longer use the administration pages or API.',
    button: 'Remove admin',
    done: '{email} is no longer an administrator.',
  },
} as const;
type Action = keyof typeof ACTIONS;

/**
 * /admin/users: find people by email or name, see their state, and disable, enable, delete,
 * make or unmake administrators — each action confirmed (a second step, or the email typed for
 * a deletion), CSRF-checked by the page guard and audited by UserLifecycle.
 */
@AdminPage()
@ApiExcludeController()
@Controller('admin/users')
export class AdminUsersPagesController {
  constructor(
    private readonly users: UsersService,
    private readonly lifecycle: UserLifecycle,
    private readonly apps: ConnectedApps,
    private readonly views: ViewsService,
    private readonly csrf: CsrfService,
  ) {}

  @Get()
  async list(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply) {
    const search = typeof query.search === 'string' ? query.search.slice(0, 320) : '';
    try {
      const page = await this.users.list(parseUserListQuery({ ...query, search }));
      const next = page.next
        ? `/admin/users?${new URLSearchParams({ ...(search ? { search } : {}), after: page.next }).toString()}`
        : undefined;
      return this.views.send(reply, 'admin-users', { users: page.users, search, next });
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      const view = { users: [], search, problem: error.message };
      return this.views.send(reply, 'admin-users', view, 400);
    }
  }

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.userPage(req, reply, await this.lifecycle.find(id), {});
  }

  @Post(':id/delete')
  async remove(
    @Param('id') id: string,
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.lifecycle.find(id);
    if (single(form, 'confirm')?.trim().toLowerCase() !== user.email) {
      const deleteError = `Type the user's email, ${user.email}, to delete them.`;
      return this.userPage(req, reply, user, { deleteError }, 400);
    }
    try {
      await this.lifecycle.delete(user.id, actor(admin, req));
    } catch (error) {
      return this.refused(req, reply, user, error);
    }
    const notice = `${user.email} was deleted with their sessions, tokens and files.`;
    const { users, next } = await this.users.list({ limit: 50 });
    return this.views.send(reply, 'admin-users', { users, next, search: '', notice });
  }

  @Post(':id/:action')
  async act(
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const user = await this.lifecycle.find(id);
    if (!Object.hasOwn(ACTIONS, action)) {
      return this.userPage(req, reply, user, { problem: `There is no action "${action}".` }, 404);
    }
    const step = ACTIONS[action as Action];
    const fill = (text: string) => text.replace('{email}', user.email);
    // The first post asks; only the confirmation's post (confirmed=yes) acts.
    if (single(form, 'confirmed') !== 'yes') {
      return this.views.send(reply, 'admin-user-confirm', {
        user,
        action,
        question: fill(step.question),
        explain: step.explain,
        button: step.button,
        csrfToken: this.csrf.issue(req, reply),
      });
    }
    try {
      await this.perform(action as Action, user, actor(admin, req));
    } catch (error) {
      return this.refused(req, reply, user, error);
    }
    return this.userPage(req, reply, await this.lifecycle.find(user.id), {
      notice: fill(step.done),
    });
  }

  private perform(action: Action, user: UserEntity, by: Actor): Promise<unknown> {
    switch (action) {
      case 'disable':
        return this.lifecycle.disable(user.id, by);
      case 'enable':
        return this.lifecycle.enable(user.id, by);
      case 'make-admin':
        return this.lifecycle.setAdmin(user.id, true, by);
      case 'remove-admin':
        return this.lifecycle.setAdmin(user.id, false, by);
    }
  }

  /** A refusal (self-lockout, last admin) on the user's page, with nothing changed. */
  private refused(req: FastifyRequest, reply: FastifyReply, user: UserEntity, error: unknown) {
    if (!(error instanceof ConflictError)) {
      throw error;
    }
    return this.userPage(req, reply, user, { problem: error.message }, 400);
  }

  private async userPage(
    req: FastifyRequest,
    reply: FastifyReply,
    user: UserEntity,
    extra: { notice?: string; problem?: string; deleteError?: string },
    status = 200,
  ) {
    const view = {
      user,
      sessions: await this.lifecycle.countSessions(user.id),
      apps: await this.apps.list(user.id),
      csrfToken: this.csrf.issue(req, reply),
      ...extra,
    };
    return this.views.send(reply, 'admin-user', view, status);
  }
}

function actor(admin: UserEntity, req: FastifyRequest): Actor {
  return { id: admin.id, ip: req.ip };
}
