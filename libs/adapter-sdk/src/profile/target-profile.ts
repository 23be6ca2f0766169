import type { Hl7Message } from '@lib/hl7';
import { AdapterError } from '../adapter-error.js';

/** What a target's implementation guide demands of every message it receives. Paths as in Hl7Message.get(). */
export interface TargetProfile {
  /** MSH-12 the target expects. */
  version: string;
  /** Paths that must not be empty. */
  required?: readonly string[];
  /** Largest length (decoded characters) per path. */
  maxLengths?: Readonly<Record<string, number>>;
  /** Allowed values per path (after mapping: the target's own codes). An empty value is allowed unless required. */
  allowed?: Readonly<Record<string, readonly string[]>>;
  /** Segments that must be present / must not be present (e.g. Z-segments the target refuses). */
  requiredSegments?: readonly string[];
  forbiddenSegments?: readonly (string | RegExp)[];
}

export interface ProfileViolation {
  rule: 'version' | 'required' | 'max-length' | 'allowed' | 'required-segment' | 'forbidden-segment';
  path: string;
  /** What is wrong, without the value itself when the value could be patient data (lengths, not contents). */
  detail: string;
}

/** A mapped message the target's profile refuses: dead-lettered with the reasons, not sent. */
export class ProfileViolationError extends AdapterError {
  readonly code = 'PROFILE_VIOLATION';
  readonly retriable = false;
  constructor(readonly violations: readonly ProfileViolation[]) {
    super(`the mapped message breaks the target profile: ${violations.map((v) => `${v.path} ${v.detail}`).join('; ')}`);
  }
}

/** Checks a mapped message against a profile. Pure; an empty list means it may be sent. */
export function checkProfile(message: Hl7Message, profile: TargetProfile): ProfileViolation[] {
  const violations: ProfileViolation[] = [];
  const version = message.get('MSH-12.1');
  if (version !== profile.version)
    violations.push({ rule: 'version', path: 'MSH-12', detail: `is ${version || 'empty'}, the target takes ${profile.version}` });
  for (const path of profile.required ?? []) {
    if (message.get(path) === '') violations.push({ rule: 'required', path, detail: 'is required' });
  }
  for (const [path, max] of Object.entries(profile.maxLengths ?? {})) {
    const length = message.get(path).length;
    if (length > max) violations.push({ rule: 'max-length', path, detail: `has ${length} characters, at most ${max} allowed` });
  }
  for (const [path, values] of Object.entries(profile.allowed ?? {})) {
    const value = message.get(path);
    // Codes are not patient data: naming the refused code helps whoever fixes the mapping.
    if (value !== '' && !values.includes(value))
      violations.push({ rule: 'allowed', path, detail: `has a code that is not one of ${values.join(', ')}` });
  }
  const names = message.segments.map((s) => s.name);
  for (const name of profile.requiredSegments ?? []) {
    if (!names.includes(name)) violations.push({ rule: 'required-segment', path: name, detail: 'segment is required' });
  }
  for (const pattern of profile.forbiddenSegments ?? []) {
    for (const name of new Set(names)) {
      if (typeof pattern === 'string' ? name === pattern : pattern.test(name))
        violations.push({ rule: 'forbidden-segment', path: name, detail: 'segment is not accepted' });
    }
  }
  return violations;
}
