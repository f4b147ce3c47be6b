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
import { Invitations } from '../people/invitations.service.js';
import { PasswordReset } from '../people/password-reset.service.js';
import { TooManyEmailRequests } from '../people/email-request-throttle.js';
import { AuditLog } from '../audit/audit-log.service.js';
import {
  SecondFactors,
  type SecondFactorSummary,
} from '../identity/second-factors/second-factors.service.js';
import { SecondFactorChanges } from '../people/second-factor-changes.service.js';
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
  'reset-second-factors': {
    question: 'Reset the second factors of {email}?',
    explain:
      'Their authenticator app, passkeys and recovery codes are removed, and they are told by email. They sign in with their password alone until they set one up again (at once, if the MFA policy requires one of them).',
    button: 'Reset second factors',
    done: 'The second factors of {email} were removed; they were told by email.',
  },
  'send-reset': {
    question: 'Send {email} a link to set a new password?',
    explain:
      'They get an email with a link that works once, for 30 minutes. Their password keeps working until they set a new one; setting it signs them out everywhere.',
    button: 'Send reset link',
    done: 'A link to set a new password was sent to {email}.',
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
    private readonly invitations: Invitations,
    private readonly passwordReset: PasswordReset,
    private readonly audit: AuditLog,
    private readonly secondFactors: SecondFactors,
    private readonly secondFactorChanges: SecondFactorChanges,
  ) {}

  @Get()
  async list(
    @Query() query: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const search = typeof query.search === 'string' ? query.search.slice(0, 320) : '';
    try {
      const page = await this.users.list(parseUserListQuery({ ...query, search }));
      const next = page.next
        ? `/admin/users?${new URLSearchParams({ ...(search ? { search } : {}), after: page.next }).toString()}`
        : undefined;
      return this.listPage(req, reply, { users: page.users, search, next });
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      const view = { users: [], search, problem: error.message };
      return this.listPage(req, reply, view, 400);
    }
  }

  /** "Invite someone": the address gets a link to choose a name and password (7 days). */
  @Post('invite')
  async invite(
    @Body() form: FormFields,
    @PageUser() admin: UserEntity,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const typed = {
      email: single(form, 'email')?.trim() ?? '',
      name: single(form, 'name')?.trim() ?? '',
      admin: single(form, 'admin') === 'yes',
    };
    try {
      const sent = await this.invitations.invite(
        { email: typed.email, ...(typed.name ? { name: typed.name } : {}), admin: typed.admin },
        actor(admin, req),
      );
      const notice = `An invitation was sent to ${sent.email}; its link works until ${sent.expiresAt.toISOString().slice(0, 10)}.`;
      const { users, next } = await this.users.list({ limit: 50 });
      return this.listPage(req, reply, { users, next, search: '', notice });
    } catch (error) {
      const status = error instanceof TooManyEmailRequests ? 429 : 400;
      if (!(error instanceof UserInputError) && !(error instanceof TooManyEmailRequests)) {
        throw error;
      }
      if (error instanceof TooManyEmailRequests) {
        void reply.header('Retry-After', String(error.retryAfter));
      }
      const { users, next } = await this.users.list({ limit: 50 });
      const view = { users, next, search: '', inviteProblem: error.message, invite: typed };
      return this.listPage(req, reply, view, status);
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
    return this.listPage(req, reply, { users, next, search: '', notice });
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

  private async perform(action: Action, user: UserEntity, by: Actor): Promise<unknown> {
    switch (action) {
      case 'send-reset':
        if (user.disabledAt !== null) {
          throw new ConflictError(`${user.email} is disabled: enable them first.`);
        }
        await this.passwordReset.sendLink(user);
        return this.audit.record({
          event: 'password.reset_requested',
          outcome: 'success',
          actor: by,
          details: { email: user.email, by: 'administrator' },
        });
      case 'reset-second-factors':
        return this.secondFactorChanges.reset(user, by);
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

  /** The list of users, with the invitation form (and its CSRF token). */
  private listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    view: Record<string, unknown>,
    status = 200,
  ) {
    return this.views.send(
      reply,
      'admin-users',
      { ...view, csrfToken: this.csrf.issue(req, reply) },
      status,
    );
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
      secondFactors: describeSecondFactors(await this.secondFactors.summary(user.id)),
      csrfToken: this.csrf.issue(req, reply),
      ...extra,
    };
    return this.views.send(reply, 'admin-user', view, status);
  }
}

/** "authenticator app, 9 recovery codes left", or undefined for none. */
function describeSecondFactors(summary: SecondFactorSummary): string | undefined {
  const parts = [
    ...(summary.totp ? ['authenticator app'] : []),
    ...(summary.passkey ? [`${summary.passkey} passkey${summary.passkey === 1 ? '' : 's'}`] : []),
    ...(summary.recovery_code
      ? [`${summary.recovery_code} recovery code${summary.recovery_code === 1 ? '' : 's'} left`]
      : []),
  ];
  return parts.length ? parts.join(', ') : undefined;
}

function actor(admin: UserEntity, req: FastifyRequest): Actor {
  return { id: admin.id, ip: req.ip };
}
