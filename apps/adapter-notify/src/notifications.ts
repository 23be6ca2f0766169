import { createHash } from 'node:crypto';
import Mustache from 'mustache';
import type { EmailMessage, MapContext } from '@lib/adapter-sdk';
import type { Hl7Message } from '@lib/hl7';
import { hashMrn } from '@lib/platform';
import type { SubscriptionTable } from './subscriptions.js';

/** How much of the patient a notification may name. minimal: initials and the MRN's hash (the default). */
export type PhiLevel = 'minimal' | 'identified';

export interface NotifySettings {
  /** Mustache templates (plain text: nothing is HTML-escaped); the subject's line breaks are removed. */
  subjectTemplate: string;
  bodyTemplate: string;
  phi: PhiLevel;
  /** The key of the MRN hash (LOG_HASH_KEY): the hash the console and the logs use, so the console finds it. */
  mrnHashKey: string;
  /** The console's base URL: each email links to its message page. */
  consoleUrl?: string;
}

/** What a template can use. `patient` holds only what the PHI level allows. */
export interface NotificationView {
  event: string;
  eventCode: string;
  facility: string;
  location: string;
  priorLocation: string;
  time: string;
  patient: { initials: string; mrnHash: string; name?: string; mrn?: string; birthDate?: string };
  link: string;
}

const EVENT_NAMES: Readonly<Record<string, string>> = {
  A01: 'Admission',
  A02: 'Transfer',
  A03: 'Discharge',
  A04: 'Registration',
  A05: 'Pre-admission',
  A06: 'Change to inpatient',
  A07: 'Change to outpatient',
};

/** The provider ids a message names: primary care (PD1-4), attending, referring, consulting (PV1-7/8/9), every repetition. */
export function providerIds(message: Hl7Message): string[] {
  const ids = new Set<string>();
  for (const path of ['PD1-4', 'PV1-7', 'PV1-8', 'PV1-9'])
    message.repetitions(path).forEach((_raw, i) => {
      const id = message.get(`${path}[${i + 1}].1`).trim();
      if (id) ids.add(id);
    });
  return [...ids];
}

/** 20261201101500 → 2026-12-01 10:15 (as sent: the EHR's local time); '' for anything else. */
function readableTime(ts: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?/.exec(ts);
  if (!m) return '';
  return `${m[1]}-${m[2]}-${m[3]}${m[4] ? ` ${m[4]}:${m[5] ?? '00'}` : ''}`;
}

const location = (message: Hl7Message, field: string) =>
  [1, 2, 3]
    .map((c) => message.get(`PV1-${field}.${c}.1`))
    .filter(Boolean)
    .join('-');

/** The values a template sees for one message. Pure. */
export function notificationView(message: Hl7Message, context: MapContext, settings: NotifySettings): NotificationView {
  const event = context.envelope.triggerEvent;
  // XPN: the family name's surname (PID-5.1.1), the given name (PID-5.2).
  const family = message.get('PID-5.1.1');
  const given = message.get('PID-5.2');
  const initials = [given, family]
    .filter(Boolean)
    .map((n) => `${n[0]!.toUpperCase()}.`)
    .join('');
  const mrn = context.envelope.mrn;
  return {
    event: EVENT_NAMES[event] ?? event,
    eventCode: event,
    facility: message.get('PV1-3.4.1') || message.get('MSH-4.1'),
    location: location(message, '3'),
    priorLocation: location(message, '6'),
    time: readableTime(message.get('EVN-6') || message.get('EVN-2') || message.get('MSH-7')),
    patient: {
      initials,
      mrnHash: mrn ? hashMrn(mrn, settings.mrnHashKey) : '',
      ...(settings.phi === 'identified'
        ? { name: [given, family].filter(Boolean).join(' '), mrn, birthDate: readableTime(message.get('PID-7')) }
        : {}),
    },
    link: settings.consoleUrl
      ? `${settings.consoleUrl.replace(/\/$/, '')}/messages/${encodeURIComponent(context.envelope.envelopeId)}`
      : '',
  };
}

const render = (template: string, view: NotificationView) => Mustache.render(template, view, {}, { escape: (value: string) => value });

/**
 * The emails one ADT becomes: one per address subscribed to a provider the message names (for its event), subject
 * and body from the templates. Each email's id is the envelope id and a hash of the address: the same on every
 * redelivery of this message, different per recipient, and never the address itself. Pure.
 */
export function notificationEmails(
  message: Hl7Message,
  context: MapContext,
  subscriptions: SubscriptionTable,
  settings: NotifySettings,
): EmailMessage[] {
  const recipients = subscriptions.recipients(providerIds(message), context.envelope.triggerEvent);
  if (recipients.length === 0) return [];
  const view = notificationView(message, context, settings);
  const subject = render(settings.subjectTemplate, view)
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
  const text = render(settings.bodyTemplate, view);
  return recipients.map((to) => ({
    id: `${context.envelope.envelopeId}.${createHash('sha256').update(to.toLowerCase()).digest('hex').slice(0, 16)}`,
    to,
    subject,
    text,
  }));
}
