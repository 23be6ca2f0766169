import * as oidc from 'openid-client';
import { ROLES, type Role, type SignedInUser } from './roles.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  scopes: string;
  /** The claim with the user's groups or roles; a dotted path reaches into objects (Keycloak: realm_access.roles). */
  rolesClaim: string;
  /** The claim value that grants each console role. */
  roleValues: Readonly<Record<Role, string>>;
}

/** What the console keeps (in a short-lived signed cookie) between sending the browser to the provider and its return. */
export interface PendingSignIn {
  state: string;
  codeVerifier: string;
  /** Where to go after signing in (a path of the console). */
  next: string;
}

export class NoConsoleRole extends Error {
  override readonly name = 'NoConsoleRole';
  constructor() {
    super('the identity provider signed the user in, but grants none of the console roles');
  }
}

/** The console roles a token's claims grant. Pure. */
export function rolesFromClaims(
  claims: Readonly<Record<string, unknown>>,
  settings: Pick<OidcSettings, 'rolesClaim' | 'roleValues'>,
): Role[] {
  let value: unknown = claims;
  for (const key of settings.rolesClaim.split('.'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const granted = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return ROLES.filter((role) => granted.includes(settings.roleValues[role]));
}

/**
 * Sign-in at the hospital's identity provider with openid-client: the authorization code flow with PKCE and state,
 * the ID token validated by the library, roles from one of its claims. The provider's metadata is discovered on first
 * use (and again after a failure). An http:// issuer is accepted only on the loopback (the configuration says so).
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {}

  private config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      const insecure = issuer.protocol === 'http:';
      this.configuration = oidc.discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      this.configuration.catch(() => (this.configuration = undefined));
    }
    return this.configuration;
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async begin(next: string): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.config();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url: url.href, pending: { state, codeVerifier, next } };
  }

  /** The provider redirected back to `callbackUrl`: exchange the code, validate the ID token, read the roles. */
  async complete(callbackUrl: URL, pending: PendingSignIn): Promise<SignedInUser> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const roles = rolesFromClaims(claims, this.settings);
    if (roles.length === 0) throw new NoConsoleRole();
    const name =
      [claims['name'], claims['preferred_username'], claims['email']].find((v): v is string => typeof v === 'string') ?? claims.sub;
    return { subject: claims.sub, name, roles };
  }
}
