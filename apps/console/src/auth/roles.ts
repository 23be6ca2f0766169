import { SetMetadata } from '@nestjs/common';

/**
 * What a signed-in user may do. viewer: metadata (searches, timelines, dead-letter lists, the dashboard); phi:
 * message content (each view audited); operator: replay dead letters (audited); auditor: the audit log. Roles do not
 * imply one another: an identity provider grants each one.
 */
export const ROLES = ['viewer', 'phi', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface SignedInUser {
  /** The identity provider's subject (or the dev login's name). Written to the audit log. */
  subject: string;
  /** Shown in the page header. */
  name: string;
  roles: Role[];
}

export const ROLES_KEY = 'hl7-console:roles';

/** The roles a route needs (any one of them). Every route names its roles or is @Public(): the guard refuses others. */
export const Roles = (...roles: [Role, ...Role[]]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may reach: sign-in pages, health, metrics. */
export const Public = () => SetMetadata(ROLES_KEY, 'public');

/** Whether `user` may use a route that needs `needed` (any one). Pure. */
export function allows(user: SignedInUser | undefined, needed: readonly Role[] | 'public' | undefined): 'yes' | 'sign-in' | 'forbidden' {
  if (needed === 'public') return 'yes';
  if (!user) return 'sign-in';
  if (!needed || needed.length === 0) return 'forbidden';
  return needed.some((role) => user.roles.includes(role)) ? 'yes' : 'forbidden';
}
