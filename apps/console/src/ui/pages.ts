import type { RecordPosition } from '@lib/kafka';
import type { SignedInUser } from '../auth/roles.js';
import type { MessageContentView } from '../content/message-content.js';
import { positionText } from '../message-index/index-events.js';
import type {
  AuditEntry,
  DeadLetterSummary,
  MessageSummary,
  MessageTimeline,
  QuarantinedSummary,
  TargetTimeline,
} from '../message-index/message-index.js';
import type { PipelineSnapshot } from '../dashboard/pipeline-status.js';
import type { ReleaseResult } from '../quarantine/quarantine-releases.js';
import type { ReplayResult } from '../replay/dead-letter-replays.js';
import { type Html, html } from './html.js';

/**
 * The console's pages, server-rendered: pure functions from what the index (or Kafka, for content) says to HTML. No
 * script: forms and links, so every step works in any browser and is easy to test. Values are escaped by `html`.
 */

const time = (ms: number) =>
  ms > 0
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '';
const at = (p: RecordPosition) => positionText(p);
/** A table: a header row, then the rows given (each an Html `<tr>`). */
const table = (headers: readonly string[], rows: Html | readonly Html[], className = '') =>
  html`<table class="${className}">
    <thead>
      <tr>
        ${headers.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;

/** What closes a form acting on selected rows: the reason (audited) and the button. */
const selectionActions = (button: string) =>
  html`<div class="actions">
    <label>Reason (recorded in the audit log) <input name="reason" maxlength="200" /></label>
    <button type="submit">${button}</button>
  </div>`;

const state = (value: string) => html`<span class="state ${value.replace(/ /g, '-')}">${value}</span>`;

export interface PageFrame {
  user?: SignedInUser;
  /** The nav entry to mark. */
  active?: 'messages' | 'dashboard' | 'dead-letters' | 'quarantine' | 'audit';
  /** Reload the page every so many seconds (the dashboard). */
  refreshSeconds?: number;
}

export function page(title: string, frame: PageFrame, body: Html): string {
  const user = frame.user;
  const nav = (href: string, key: PageFrame['active'], label: string) =>
    html`<a href="${href}" class="${frame.active === key ? 'active' : ''}">${label}</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${frame.refreshSeconds ? html`<meta http-equiv="refresh" content="${frame.refreshSeconds}" />` : ''}
        <title>${title} · hl7-router console</title>
        <link rel="stylesheet" href="/assets/console.css" />
      </head>
      <body>
        <header>
          <a class="brand" href="/">hl7-router console</a>
          ${
            user
              ? html`${
                    user.roles.includes('viewer')
                      ? html`${nav('/', 'messages', 'Messages')} ${nav('/dashboard', 'dashboard', 'Dashboard')}
                        ${nav('/dead-letters', 'dead-letters', 'Dead letters')} ${nav('/quarantine', 'quarantine', 'Quarantine')}`
                      : ''
                  }
                  ${user.roles.includes('auditor') ? nav('/audit', 'audit', 'Audit log') : ''}
                  <span class="user">${user.name} · ${user.roles.join(', ')}</span>
                  <form method="post" action="/logout"><button type="submit">Sign out</button></form>`
              : ''
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`.markup;
}

export function loginPage(options: { mode: 'dev' | 'oidc'; next: string; error?: string }): string {
  const body =
    options.mode === 'dev'
      ? html`<h1>Sign in (local development)</h1>
          <p class="notice">Dev sign-in: any name, any role. The console accepts it only on the loopback (CONSOLE_AUTH=dev).</p>
          <form class="search" method="post" action="/login/dev">
            <input type="hidden" name="next" value="${options.next}" />
            <label>Name <input name="name" value="analyst" required maxlength="64" /></label>
            ${(['viewer', 'phi', 'operator', 'auditor'] as const).map(
              (role) =>
                html`<label
                  ><span><input type="checkbox" name="roles" value="${role}" checked /> ${role}</span></label
                >`,
            )}
            <button type="submit">Sign in</button>
          </form>`
      : html`<h1>Sign in</h1>
          ${options.error ? html`<p class="notice">${options.error}</p>` : ''}
          <p>
            <a class="button" href="/login/oidc?next=${encodeURIComponent(options.next)}">Sign in with your organization's account</a>
          </p>`;
  return page('Sign in', {}, body);
}

export interface SearchForm {
  controlId?: string;
  from?: string;
  to?: string;
  /** Never echoed back: only whether the search was by MRN. */
  byMrn?: boolean;
}

export function searchPage(frame: PageFrame, form: SearchForm, results: MessageSummary[] | undefined): string {
  const body = html`<h1>Find a message</h1>
    <form class="search" method="post" action="/search">
      <label>Control ID (MSH-10) <input name="controlId" value="${form.controlId ?? ''}" maxlength="199" /></label>
      <label>MRN (exact; never stored) <input name="mrn" type="password" autocomplete="off" maxlength="199" /></label>
      <label>Received from (UTC) <input name="from" type="datetime-local" value="${form.from ?? ''}" /></label>
      <label>to <input name="to" type="datetime-local" value="${form.to ?? ''}" /></label>
      <button type="submit">Search</button>
    </form>
    ${
      results === undefined
        ? html`<p class="muted">Search by control ID or MRN, within a time range if you like. The newest messages come first.</p>`
        : results.length === 0
          ? html`<p class="empty">No message found${form.byMrn ? ' for that MRN' : ''}.</p>`
          : html`<h2>${results.length} message${results.length === 1 ? '' : 's'}${form.byMrn ? ' for that MRN' : ''}</h2>
              ${table(
                ['Received', 'Control ID', 'Type', 'Sender', 'Listener'],
                results.map(
                  (m) =>
                    html`<tr>
                      <td>${time(m.receivedAt)}</td>
                      <td class="mono"><a href="/messages/${encodeURIComponent(m.envelopeId)}">${m.controlId}</a></td>
                      <td>${m.messageType}</td>
                      <td>${m.sender}</td>
                      <td>${m.listener}</td>
                    </tr>`,
                ),
              )}`
    }`;
  return page('Messages', { ...frame, active: 'messages' }, body);
}

function targetCard(envelopeId: string, target: TargetTimeline, user: SignedInUser | undefined): Html {
  const operator = user?.roles.includes('operator');
  // With the phi role: a button per kept record (the message as sent, each answer), all submitting one audited form.
  const phi = user?.roles.includes('phi');
  const form = `content-${target.target}-${target.position.partition}-${target.position.offset}`;
  const view = (position: RecordPosition, label: string) =>
    html`<button type="submit" class="secondary" form="${form}" name="record" value="${at(position)}">${label}</button>`;
  const answered = target.attempts.some((a) => a.answer);
  return html`<section class="card target" data-target="${target.target}">
    <h2>${target.target} ${state(target.state)} ${target.replayOf ? html`<span class="muted">replay of ${target.replayOf}</span>` : ''}</h2>
    <p class="muted">Routed ${time(target.routedAt)} to <span class="mono">${at(target.position)}</span></p>
    ${
      phi && (target.sent || answered)
        ? html`<form class="actions" id="${form}" method="post" action="/messages/${encodeURIComponent(envelopeId)}/content">
            <label>Reason for viewing (recorded in the audit log) <input name="reason" maxlength="200" /></label>
            ${target.sent ? view(target.sent, `View as sent to ${target.target}`) : ''}
          </form>`
        : ''
    }
    ${
      target.attempts.length === 0
        ? html`<p class="muted">No delivery attempt recorded yet.</p>`
        : html`${table(
            ['Time', 'Attempt', 'Outcome', 'ACK', 'Condition', 'Latency', 'Detail (ERR)', ...(phi && answered ? ['Answer'] : [])],
            target.attempts.map(
              (a) =>
                html`<tr>
                  <td>${time(a.at)}</td>
                  <td>${a.attempt}</td>
                  <td>${state(a.status)}</td>
                  <td class="mono">${a.ackCode}</td>
                  <td>${a.condition}</td>
                  <td>${a.latencyMs} ms</td>
                  <td class="mono">${a.detail}</td>
                  ${phi && answered ? html`<td>${a.answer ? view(a.answer, 'View ACK') : ''}</td>` : ''}
                </tr>`,
            ),
            'attempts',
          )}`
    }
    ${target.deadLetters.map(
      (d) =>
        html`<div class="actions">
          <span>Dead-lettered ${time(d.at)} (${d.stage}, ${d.errorClass}) at <span class="mono">${at(d.position)}</span></span>
          ${
            operator
              ? html`<form method="post" action="/dead-letters/replay">
                  <input type="hidden" name="position" value="${at(d.position)}" />
                  <input name="reason" placeholder="reason (optional)" maxlength="200" />
                  <button type="submit">Replay</button>
                </form>`
              : ''
          }
        </div>`,
    )}
  </section>`;
}

export function timelinePage(frame: PageFrame, timeline: MessageTimeline): string {
  const m = timeline.message;
  const phi = frame.user?.roles.includes('phi');
  const body = html`<h1>Message <span class="mono">${m.controlId}</span></h1>
    <section class="card">
      <dl class="facts">
        <dt>Type</dt>
        <dd>${m.messageType}</dd>
        <dt>Sender</dt>
        <dd>${m.sender}</dd>
        <dt>Received</dt>
        <dd>${time(m.receivedAt)} on listener ${m.listener}</dd>
        <dt>Stored</dt>
        <dd class="mono">${at(m.position)}</dd>
        <dt>Envelope</dt>
        <dd class="mono">${m.envelopeId}</dd>
      </dl>
      ${
        phi
          ? html`<form class="actions" method="post" action="/messages/${encodeURIComponent(m.envelopeId)}/content">
              <label>Reason for viewing (recorded in the audit log) <input name="reason" maxlength="200" /></label>
              <button type="submit" class="secondary">View the message</button>
            </form>`
          : html`<p class="muted">Viewing the content needs the phi role.</p>`
      }
    </section>
    ${
      timeline.targets.length === 0
        ? html`<p class="empty">Not routed to any target yet (or filtered out by the routes).</p>`
        : timeline.targets.map((t) => targetCard(m.envelopeId, t, frame.user))
    }`;
  return page(`Message ${m.controlId}`, { ...frame, active: 'messages' }, body);
}

/** What a content page shows, in words: "as received", "as sent to lab", "lab's answer to attempt 2". */
function contentTitle(content: MessageContentView): string {
  const part = content.part;
  if (part.kind === 'received') return 'as received';
  return part.part === 'message' ? `as sent to ${part.target}` : `${part.target}'s answer to attempt ${part.attempt}`;
}

export function contentPage(frame: PageFrame, message: MessageSummary, content: MessageContentView): string {
  const body = content.found
    ? html`<h1>Message <span class="mono">${message.controlId}</span> ${contentTitle(content)}</h1>
        <p class="notice">This view was recorded in the audit log.</p>
        <p class="muted">
          From <span class="mono">${at(content.position)}</span>, ${content.charset}.
          <a href="/messages/${encodeURIComponent(message.envelopeId)}">Back to the timeline</a>
        </p>
        ${content.parseError ? html`<p class="notice">Not parseable as HL7 (${content.parseError}); the text as received:</p>` : ''}
        ${content.segments.map(
          (s) =>
            html`<section class="card segment">
              <h3>${s.name}${s.occurrence > 1 ? ` [${s.occurrence}]` : ''}</h3>
              <table>
                <tbody>
                  ${s.fields.map(
                    (f) =>
                      html`<tr>
                        <td class="mono" style="width: 9em">${f.path}</td>
                        <td style="width: 22em">${f.name}</td>
                        <td class="mono">
                          ${f.value}
                          ${
                            f.components.length > 0
                              ? html`<div class="components">${f.components.map((c) => html`<div>${c.path} = ${c.value}</div>`)}</div>`
                              : ''
                          }
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`,
        )}
        <h2>Raw</h2>
        <pre class="raw">${content.text.replace(/\r\n?|\n/g, '\n')}</pre>`
    : html`<h1>Message <span class="mono">${message.controlId}</span> ${contentTitle(content)}</h1>
        <p class="notice">Its content is not available: ${content.reason}.</p>`;
  return page(`Content of ${message.controlId}`, { ...frame, active: 'messages' }, body);
}

export interface DeadLetterFilter {
  target?: string;
  stage?: string;
  waiting?: boolean;
}

export function deadLettersPage(
  frame: PageFrame,
  targets: readonly string[],
  filter: DeadLetterFilter,
  deadLetters: DeadLetterSummary[],
): string {
  const operator = frame.user?.roles.includes('operator');
  const body = html`<h1>Dead letters</h1>
    <form class="search" method="get" action="/dead-letters">
      <label
        >Target
        <select name="target">
          <option value="">all</option>
          ${targets.map((t) => html`<option value="${t}" ${filter.target === t ? 'selected' : ''}>${t}</option>`)}
        </select></label
      >
      <label
        >Stage
        <select name="stage">
          <option value="">all</option>
          ${['DELIVERY', 'MAP', 'PROFILE', 'PARSE', 'DESERIALIZATION', 'PROCESSING'].map(
            (s) => html`<option value="${s}" ${filter.stage === s ? 'selected' : ''}>${s}</option>`,
          )}
        </select></label
      >
      <label
        ><span
          ><input type="checkbox" name="waiting" value="1" ${filter.waiting ? 'checked' : ''} /> not delivered by a replay yet</span
        ></label
      >
      <button type="submit">Filter</button>
    </form>
    ${
      deadLetters.length === 0
        ? html`<p class="empty">No dead letters match.</p>`
        : html`<form method="post" action="/dead-letters/replay">
            ${table(
              [...(operator ? [''] : []), 'Dead-lettered', 'Target', 'Control ID', 'Stage', 'Error', 'Position', 'Replays'],
              deadLetters.map(
                (d) =>
                  html`<tr>
                    ${operator ? html`<td><input type="checkbox" name="position" value="${at(d.position)}" aria-label="select" /></td>` : ''}
                    <td>${time(d.at)}</td>
                    <td>${d.target}</td>
                    <td class="mono">
                      ${d.envelopeId ? html`<a href="/messages/${encodeURIComponent(d.envelopeId)}">${d.controlId}</a>` : d.controlId}
                    </td>
                    <td>${d.stage}</td>
                    <td>${d.errorClass}</td>
                    <td class="mono">${at(d.position)}</td>
                    <td>
                      ${d.replays.length === 0 ? html`<span class="muted">none</span>` : d.replays.map((r) => state(r.status || 'pending'))}
                    </td>
                  </tr>`,
              ),
            )}
            ${operator ? selectionActions('Replay the selected') : ''}
          </form>`
    }`;
  return page('Dead letters', { ...frame, active: 'dead-letters' }, body);
}

export function replayResultPage(frame: PageFrame, results: ReplayResult[]): string {
  const body = html`<h1>Replay</h1>
    ${table(
      ['Dead letter', 'Target', 'Control ID', 'Result', 'Written to'],
      results.map(
        (r) =>
          html`<tr>
            <td class="mono">${at(r.position)}</td>
            <td>${r.target}</td>
            <td class="mono">${r.controlId}</td>
            <td>${state(r.outcome)}</td>
            <td class="mono">${r.routePosition ? at(r.routePosition) : ''}</td>
          </tr>`,
      ),
    )}
    <p class="muted">
      A replayed copy is delivered after anything already waiting for the same patient; its attempts appear on the message's timeline.
    </p>
    <p><a href="/dead-letters">Back to the dead letters</a></p>`;
  return page('Replay', { ...frame, active: 'dead-letters' }, body);
}

export function auditPage(frame: PageFrame, entries: AuditEntry[]): string {
  const body = html`<h1>Audit log</h1>
    ${
      entries.length === 0
        ? html`<p class="empty">Nothing audited yet.</p>`
        : html`${table(
            ['Time', 'Who', 'Action', 'Control ID', 'Target', 'Record', 'Reason', 'Outcome'],
            entries.map(
              (e) =>
                html`<tr>
                  <td>${time(e.at)}</td>
                  <td>${e.actor}</td>
                  <td>${e.action}</td>
                  <td class="mono">
                    ${e.envelopeId ? html`<a href="/messages/${encodeURIComponent(e.envelopeId)}">${e.controlId}</a>` : e.controlId}
                  </td>
                  <td>${e.target}</td>
                  <td class="mono">${at(e)}</td>
                  <td>${e.reason}</td>
                  <td>${state(e.outcome)}</td>
                </tr>`,
            ),
          )}`
    }`;
  return page('Audit log', { ...frame, active: 'audit' }, body);
}

const age = (seconds: number | undefined) =>
  seconds === undefined
    ? 'unknown'
    : seconds < 120
      ? `${seconds} s`
      : seconds < 7200
        ? `${Math.round(seconds / 60)} min`
        : `${Math.round(seconds / 3600)} h`;

export function dashboardPage(frame: PageFrame, snapshot: PipelineSnapshot): string {
  const body = html`<h1>Dashboard</h1>
    <p class="muted">As of ${time(snapshot.at)}; this page reloads every ${frame.refreshSeconds ?? 10} s.</p>
    ${table(
      [
        'Target',
        'State',
        'Delivered, last minute',
        'Per minute (10 min)',
        'Lag (records)',
        'Oldest undelivered',
        'Dead letters waiting',
        'Last attempt',
      ],
      snapshot.targets.map(
        (t) =>
          html`<tr data-target="${t.target}">
            <td>${t.target}</td>
            <td>${state(t.state)}</td>
            <td>${t.deliveredLastMinute}</td>
            <td>${t.deliveredPerMinute}</td>
            <td>${t.lag ?? 'unknown'}</td>
            <td>${age(t.oldestUndeliveredSeconds)}</td>
            <td class="dead-letters">
              ${
                t.deadLettersWaiting > 0
                  ? html`<a href="/dead-letters?target=${encodeURIComponent(t.target)}&amp;waiting=1">${t.deadLettersWaiting}</a>`
                  : '0'
              }
            </td>
            <td>
              ${t.lastAttempt ? html`${state(t.lastAttempt.status)} ${t.lastAttempt.ackCode} ${time(t.lastAttempt.at)}` : html`<span class="muted">none yet</span>`}
            </td>
          </tr>`,
      ),
      'targets',
    )}
    <h2>Apps</h2>
    ${
      snapshot.apps.length === 0
        ? html`<p class="muted">No app addresses configured (APP_URLS).</p>`
        : html`${table(
            ['App', 'Readiness', 'Address'],
            snapshot.apps.map(
              (a) =>
                html`<tr data-app="${a.app}">
                  <td>${a.app}</td>
                  <td>${state(a.state)}</td>
                  <td class="mono">${a.url}</td>
                </tr>`,
            ),
            'apps',
          )}`
    }`;
  return page('Dashboard', { ...frame, active: 'dashboard' }, body);
}

export function quarantinePage(frame: PageFrame, quarantined: QuarantinedSummary[], releaseEnabled: boolean): string {
  const operator = frame.user?.roles.includes('operator') && releaseEnabled;
  const body = html`<h1>Quarantine</h1>
    <p class="muted">
      Input the gateway refused (answered AR or AE) and kept with its reason. After a configuration change, an operator can send it to the
      gateway again, which checks it with its current
      settings.${releaseEnabled ? '' : ' Release is off here (GATEWAY_MLLP_URL is not set).'}
    </p>
    ${
      quarantined.length === 0
        ? html`<p class="empty">Nothing in quarantine.</p>`
        : html`<form method="post" action="/quarantine/release">
            ${table(
              [...(operator ? [''] : []), 'Received', 'Listener', 'Control ID', 'Error', 'Reason', 'Position'],
              quarantined.map(
                (q) =>
                  html`<tr>
                    ${operator ? html`<td><input type="checkbox" name="position" value="${at(q.position)}" aria-label="select" /></td>` : ''}
                    <td>${time(q.receivedAt)}</td>
                    <td>${q.listener}</td>
                    <td class="mono">${q.controlId}</td>
                    <td class="mono">${q.code}</td>
                    <td>${q.reason}</td>
                    <td class="mono">${at(q.position)}</td>
                  </tr>`,
              ),
            )}
            ${operator ? selectionActions('Release the selected') : ''}
          </form>`
    }`;
  return page('Quarantine', { ...frame, active: 'quarantine' }, body);
}

export function releaseResultPage(frame: PageFrame, results: ReleaseResult[]): string {
  const body = html`<h1>Release</h1>
    ${table(
      ['Quarantined', 'Control ID', 'Result', 'ACK', 'Detail (ERR)'],
      results.map(
        (r) =>
          html`<tr>
            <td class="mono">${at(r.position)}</td>
            <td class="mono">${r.controlId}</td>
            <td>${state(r.outcome)}</td>
            <td class="mono">${r.ackCode}</td>
            <td class="mono">${r.detail}</td>
          </tr>`,
      ),
    )}
    <p class="muted">Released input is a new message from here on (find it by its control ID); refused input is quarantined again.</p>
    <p><a href="/quarantine">Back to the quarantine</a></p>`;
  return page('Release', { ...frame, active: 'quarantine' }, body);
}
