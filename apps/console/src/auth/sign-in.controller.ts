import { Body, Controller, Get, Inject, NotFoundException, Post, Query, Req, Res } from '@nestjs/common';
import { parseCookie } from 'cookie';
import type { Response } from 'express';
import type { ConsoleConfig } from '../console-config.js';
import { CONSOLE_CONFIG, CONSOLE_LOG } from '../console-tokens.js';
import type { Logger } from '@lib/platform';
import { loginPage } from '../ui/pages.js';
import type { ConsoleRequest } from './auth-guard.js';
import { NoConsoleRole, OidcSignIn } from './oidc-sign-in.js';
import { Public, ROLES, type Role, type SignedInUser } from './roles.js';
import { PENDING_COOKIE, SESSION_COOKIE, SessionCodec } from './session.js';

/** Only a path of this console: never an absolute URL (an open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** Signing in and out: the dev form (CONSOLE_AUTH=dev) or the identity provider (OIDC), and the session cookie. */
@Controller()
@Public()
export class SignInController {
  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(CONSOLE_LOG) private readonly log: Logger,
    @Inject(SessionCodec) private readonly sessions: SessionCodec,
    @Inject(OidcSignIn) private readonly oidc: OidcSignIn | null,
  ) {}

  private cookieOptions(maxAgeSeconds: number) {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.config.cookieSecure, path: '/', maxAge: maxAgeSeconds * 1000 };
  }

  private async signIn(response: Response, user: SignedInUser, next: string): Promise<void> {
    response.cookie(SESSION_COOKIE, await this.sessions.seal(user), this.cookieOptions(this.sessions.maxAgeSeconds));
    this.log.info({ user: user.subject, roles: user.roles }, 'signed in');
    response.redirect(303, safeNext(next));
  }

  @Get('login')
  login(@Query('next') next: unknown, @Res() response: Response): void {
    response.type('html').send(loginPage({ mode: this.config.CONSOLE_AUTH, next: safeNext(next) }));
  }

  @Post('login/dev')
  async devLogin(@Body() body: Record<string, unknown>, @Res() response: Response): Promise<void> {
    if (this.config.CONSOLE_AUTH !== 'dev') throw new NotFoundException();
    const name = typeof body['name'] === 'string' && body['name'].trim() ? body['name'].trim().slice(0, 64) : 'analyst';
    const asked = ([] as unknown[]).concat(body['roles'] ?? []);
    const roles = ROLES.filter((role: Role) => asked.includes(role));
    await this.signIn(response, { subject: `dev:${name}`, name, roles }, safeNext(body['next']));
  }

  @Get('login/oidc')
  async oidcLogin(@Query('next') next: unknown, @Res() response: Response): Promise<void> {
    if (!this.oidc) throw new NotFoundException();
    const { url, pending } = await this.oidc.begin(safeNext(next));
    response.cookie(PENDING_COOKIE, await this.sessions.sealPending(pending), this.cookieOptions(600));
    response.redirect(303, url);
  }

  @Get('auth/callback')
  async callback(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    if (!this.oidc) throw new NotFoundException();
    const pending = await this.sessions.openPending(parseCookie(request.headers.cookie ?? '')[PENDING_COOKIE]);
    response.clearCookie(PENDING_COOKIE, { path: '/' });
    const fail = (reason: string) =>
      response
        .status(403)
        .type('html')
        .send(loginPage({ mode: 'oidc', next: '/', error: reason }));
    if (!pending) return void fail('The sign-in took too long or was started elsewhere; please sign in again.');
    try {
      const user = await this.oidc.complete(new URL(request.originalUrl, this.config.OIDC_REDIRECT_URL), pending);
      await this.signIn(response, user, pending.next);
    } catch (error) {
      const noRole = error instanceof NoConsoleRole;
      this.log.warn({ error: (error as Error).name, reason: noRole ? 'no console role' : (error as Error).message }, 'sign-in refused');
      fail(
        noRole
          ? 'Your account has none of the console roles (viewer, phi, operator, auditor).'
          : 'The identity provider did not confirm the sign-in.',
      );
    }
  }

  @Post('logout')
  logout(@Res() response: Response): void {
    response.clearCookie(SESSION_COOKIE, { path: '/' });
    response.redirect(303, '/login');
  }
}
