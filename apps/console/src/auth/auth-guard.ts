import {
  type ArgumentsHost,
  type CanActivate,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import { html } from '../ui/html.js';
import { allows, type Role, ROLES_KEY, type SignedInUser } from './roles.js';
import { SESSION_COOKIE, SessionCodec } from './session.js';

export type ConsoleRequest = Request & { user?: SignedInUser };

/**
 * Every route's gate: the session cookie's user must hold one of the roles the route names (@Roles), or the route is
 * @Public. A route that names neither is refused (deny by default). API routes answer 401/403 in JSON; pages send
 * an unsigned-in user to the sign-in page.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionCodec,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const needed = this.reflector.getAllAndOverride<Role[] | 'public' | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    const token = parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
    const user = await this.sessions.open(token);
    if (user) request.user = user;
    switch (allows(user, needed)) {
      case 'yes':
        return true;
      case 'sign-in':
        throw new UnauthorizedException({ message: 'sign in first' });
      case 'forbidden':
        throw new ForbiddenException({ message: `needs the role ${Array.isArray(needed) ? needed.join(' or ') : '(none named)'}` });
    }
  }
}

/** Pages (not /api) answer a missing sign-in with a redirect to it, and other errors with a short page. */
@Catch(HttpException)
export class PageErrors implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<ConsoleRequest>();
    const response = http.getResponse<Response>();
    const status = exception.getStatus();
    const body = exception.getResponse();
    const api = request.path.startsWith('/api/') || request.path === '/metrics' || request.path.startsWith('/health/');
    if (api) {
      response.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : { statusCode: status, ...body });
      return;
    }
    if (status === 401) {
      response.redirect(303, `/login?next=${encodeURIComponent(request.method === 'GET' ? request.originalUrl : '/')}`);
      return;
    }
    const message =
      typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : exception.message;
    response
      .status(status)
      .type('html')
      .send(
        html`<!doctype html><meta charset="utf-8" /><title>${status}</title><link rel="stylesheet" href="/assets/console.css" />
          <main>
            <h1>${status}</h1>
            <p>${message}</p>
            <p><a href="/">Back to the console</a></p>
          </main>`.markup,
      );
  }
}
