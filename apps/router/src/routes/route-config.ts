import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@lib/platform';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AdtEvent } from '../adt/adt-event.js';
import { routeTopic } from '@lib/envelope';

const codes = (pattern: RegExp, what: string) => z.array(z.string().regex(pattern, what)).default([]);

/** One target system in the routes file. An empty list in `match` means "any". */
export const routeTargetSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter'),
    /** Default hl7.route.<name>.v1. */
    topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
      .optional(),
    /**
     * live: routed from the router's first start. after-bootstrap: nothing is routed to it until
     * `npm run router:bootstrap -- --target <name>` has written every patient's state to it; then live.
     */
    start: z.enum(['live', 'after-bootstrap']).default('live'),
    match: z
      .object({
        messageTypes: codes(/^[A-Z0-9]{3}$/, 'message types are 3 characters (MSH-9.1)'),
        triggerEvents: codes(/^[A-Z0-9]{3}$/, 'trigger events are 3 characters (MSH-9.2)'),
        sendingFacilities: z.array(z.string().min(1)).default([]),
        patientClasses: z.array(z.string().min(1)).default([]),
        /** A module (path relative to the routes file) whose default export is (event) => boolean. */
        predicate: z.string().min(1).optional(),
      })
      .strict()
      .default({ messageTypes: [], triggerEvents: [], sendingFacilities: [], patientClasses: [] }),
  })
  .strict();

export const routesFileSchema = z
  .object({ targets: z.array(routeTargetSchema).min(1, 'needs at least one target') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.targets.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `target ${t.name} appears twice` });
      seen.add(t.name);
    });
  });

/** What a custom predicate module sees: the routing facts and the parsed message (read-only use). */
export type RoutePredicate = (
  event: Pick<AdtEvent, 'messageType' | 'triggerEvent' | 'sendingFacility' | 'patientClass' | 'message'>,
) => boolean;

export interface RouteTarget {
  name: string;
  topic: string;
  start: 'live' | 'after-bootstrap';
  messageTypes: ReadonlySet<string>;
  triggerEvents: ReadonlySet<string>;
  sendingFacilities: ReadonlySet<string>;
  patientClasses: ReadonlySet<string>;
  predicate?: RoutePredicate;
}

/** Validates a parsed routes document; throws ConfigError listing every problem. */
export function parseRoutes(document: unknown, source = 'routes'): z.infer<typeof routesFileSchema> {
  const result = routesFileSchema.safeParse(document);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`),
    );
  }
  return result.data;
}

/** Reads, validates and resolves the routes file (YAML), loading any custom predicate modules. */
export async function loadRoutes(file: string): Promise<RouteTarget[]> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [`cannot read the routes file: ${(error as Error).message}`]);
  }
  const routes = parseRoutes(document, file);
  return Promise.all(
    routes.targets.map(async (t) => {
      let predicate: RoutePredicate | undefined;
      if (t.match.predicate) {
        const module = (await import(pathToFileURL(resolve(dirname(file), t.match.predicate)).href)) as { default?: unknown };
        if (typeof module.default !== 'function') {
          throw new ConfigError(file, [`targets.${t.name}.match.predicate: the module has no default export function`]);
        }
        predicate = module.default as RoutePredicate;
      }
      return {
        name: t.name,
        topic: t.topic ?? routeTopic(t.name),
        start: t.start,
        messageTypes: new Set(t.match.messageTypes),
        triggerEvents: new Set(t.match.triggerEvents),
        sendingFacilities: new Set(t.match.sendingFacilities),
        patientClasses: new Set(t.match.patientClasses),
        ...(predicate ? { predicate } : {}),
      };
    }),
  );
}

/** True when the event passes every rule of the target (empty rules pass). */
export function targetMatches(target: RouteTarget, event: AdtEvent): boolean {
  const within = (set: ReadonlySet<string>, value: string) => set.size === 0 || set.has(value);
  return (
    within(target.messageTypes, event.messageType) &&
    within(target.triggerEvents, event.triggerEvent) &&
    within(target.sendingFacilities, event.sendingFacility) &&
    within(target.patientClasses, event.patientClass) &&
    (target.predicate?.(event) ?? true)
  );
}
