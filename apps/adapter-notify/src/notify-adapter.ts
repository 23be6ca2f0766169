import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Adapter, defineAdapter } from '@lib/adapter-sdk';
import { configFields, loadConfig } from '@lib/platform';
import { z } from 'zod';
import { notificationEmails, type NotifySettings } from './notifications.js';
import { SubscriptionTable } from './subscriptions.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The notify adapter's own settings (besides every adapter's: ADAPTER_NOTIFY_TARGET, MAIL_FROM, …). */
export const notifySettingsSchema = z.object({
  /** The compacted topic of subscriptions by provider id, changed without a redeploy (see docs/adapters.md). */
  NOTIFY_SUBSCRIPTIONS_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
    .default('hl7.notify.subscriptions.v1'),
  /** provider_id,email,events (see subscriptions/subscriptions.csv). */
  NOTIFY_SUBSCRIPTIONS_FILE: z.string().min(1).default(`${here}subscriptions/subscriptions.csv`),
  NOTIFY_SUBJECT_TEMPLATE_FILE: z.string().min(1).default(`${here}templates/subject.mustache`),
  NOTIFY_BODY_TEMPLATE_FILE: z.string().min(1).default(`${here}templates/body.mustache`),
  /** minimal: initials and the MRN's hash (default); identified: also name, MRN and birth date. */
  NOTIFY_PHI: z.enum(['minimal', 'identified']).default('minimal'),
  /** The console's base URL, for a link to the message in each email. */
  CONSOLE_URL: configFields.httpUrl.optional(),
  LOG_HASH_KEY: z.string({ error: 'is required (at least 16 characters): the key of the MRN hash in the emails' }).min(16),
});

/** Event notifications: ADT admissions, transfers, discharges and registrations, by email to the patient's care team. */
export function createNotifyAdapter(env: NodeJS.ProcessEnv): Adapter {
  const s = loadConfig('adapter-notify', notifySettingsSchema, env);
  const subscriptions = SubscriptionTable.load(s.NOTIFY_SUBSCRIPTIONS_FILE);
  const settings: NotifySettings = {
    subjectTemplate: readFileSync(s.NOTIFY_SUBJECT_TEMPLATE_FILE, 'utf8'),
    bodyTemplate: readFileSync(s.NOTIFY_BODY_TEMPLATE_FILE, 'utf8'),
    phi: s.NOTIFY_PHI,
    mrnHashKey: s.LOG_HASH_KEY,
    ...(s.CONSOLE_URL ? { consoleUrl: s.CONSOLE_URL } : {}),
  };
  return defineAdapter({
    name: 'notify',
    baseDir: here,
    accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A02', 'A03', 'A04'] },
    emails: (message, context) => notificationEmails(message, context, subscriptions, settings),
    tables: [{ topic: s.NOTIFY_SUBSCRIPTIONS_TOPIC, apply: (key, value) => subscriptions.applyRecord(key, value) }],
  });
}
