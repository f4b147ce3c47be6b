import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ViewsService } from '../common/views.service.js';
import type { LinkPurpose } from './email-link-rules.js';
import { TooManyEmailRequests } from './email-request-throttle.js';
import { LinkRefused, refusalText } from './link-refused.js';

/** Where to get a new link of each kind. */
const ASK_AGAIN: Record<LinkPurpose, { url: string; label: string } | undefined> = {
  reset_password: { url: '/password/forgot', label: 'Send a new reset link' },
  verify_email: { url: '/account', label: 'Sign in to send a new link' },
  change_email: { url: '/account', label: 'Sign in to change your email again' },
  // Only an administrator can invite: the page says whom to ask.
  invitation: undefined,
};

/**
 * The pages of the emailed-link flows: a refused link (expired, used, superseded, unknown)
 * gets a page that says which and offers a new one; too many requests a 429 page with
 * Retry-After (RFC 6585 §4). Nothing was changed in either case.
 */
@Catch(LinkRefused, TooManyEmailRequests)
export class PeoplePagesFilter implements ExceptionFilter {
  constructor(private readonly views: ViewsService) {}

  catch(exception: LinkRefused | TooManyEmailRequests, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof TooManyEmailRequests) {
      reply.header('Retry-After', String(exception.retryAfter));
      return this.views.send(
        reply,
        'error',
        {
          title: 'Too many attempts',
          message: exception.message,
          code: 'too_many_requests',
          links: [{ url: '/', label: 'Go to the home page' }],
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const { title, message } = refusalText(exception.reason);
    const again = ASK_AGAIN[exception.purpose];
    return this.views.send(
      reply,
      'link-refused',
      {
        title,
        message:
          exception.purpose === 'invitation'
            ? `${message} Ask the administrator who invited you to send a new invitation.`
            : message,
        again,
      },
      exception.reason === 'unknown' ? HttpStatus.NOT_FOUND : HttpStatus.GONE,
    );
  }
}
