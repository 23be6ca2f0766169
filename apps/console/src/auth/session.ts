import { jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role, type SignedInUser } from './roles.js';

import type { PendingSignIn } from './oidc-sign-in.js';

export const SESSION_COOKIE = 'hl7_console_session';
/** Holds a PendingSignIn for the ten minutes a sign-in at the identity provider may take. */
export const PENDING_COOKIE = 'hl7_console_sign_in';

/**
 * The signed-in user, as a cookie: a JWT signed with the console's session secret (HS256, jose), holding the subject,
 * display name and roles, valid for `ttlSeconds`. Stateless, so replicas share sessions through the secret.
 */
export class SessionCodec {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  seal(user: SignedInUser): Promise<string> {
    return new SignJWT({ name: user.name, roles: user.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.subject)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .setAudience('hl7-console')
      .sign(this.key);
  }

  /** The user of a valid, unexpired session token; undefined for anything else. */
  async open(token: string | undefined): Promise<SignedInUser | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'hl7-console' });
      const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is Role => ROLES.includes(r as Role)) : [];
      if (!payload.sub) return undefined;
      return { subject: payload.sub, name: typeof payload['name'] === 'string' ? payload['name'] : payload.sub, roles };
    } catch {
      return undefined;
    }
  }

  sealPending(pending: PendingSignIn): Promise<string> {
    return new SignJWT({ ...pending })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .setAudience('hl7-console-sign-in')
      .sign(this.key);
  }

  async openPending(token: string | undefined): Promise<PendingSignIn | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: 'hl7-console-sign-in' });
      const { state, codeVerifier, next } = payload as Record<string, unknown>;
      if (typeof state !== 'string' || typeof codeVerifier !== 'string' || typeof next !== 'string') return undefined;
      return { state, codeVerifier, next };
    } catch {
      return undefined;
    }
  }

  get maxAgeSeconds(): number {
    return this.ttlSeconds;
  }
}
