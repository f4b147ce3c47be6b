import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { TooManyEmailRequests } from '../people/email-request-throttle.js';

/** The API's answer to too many email requests: 429, Retry-After (RFC 6585 §4), JSON. */
@Catch(TooManyEmailRequests)
export class TooManyRequestsJsonFilter implements ExceptionFilter {
  catch(exception: TooManyEmailRequests, host: ArgumentsHost) {
    return host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .code(429)
      .header('Retry-After', String(exception.retryAfter))
      .header('Cache-Control', 'no-store')
      .send({ error: 'too_many_requests', error_description: exception.message });
  }
}
