// Issue #15's browser test: `npm start` (the built pipeline on the real broker, the console with the dev sign-in)
// with this test's own lab and radiology systems, driven in Debian's Chromium by playwright-core (nothing downloaded).
// A patient's A01/A02/A08/A03 go through; the lab answers AE (with an ERR) to the A08 until it is dead-lettered. In
// the browser: sign in, search by MRN, open the A08's timeline, see the failed attempts and their ERR, fix the lab,
// replay, see the replayed copy delivered and the dashboard up to date, view the message (phi); then an auditor sees
// the view and the replay in the audit log. Screenshots of each step go to test-artifacts/console/ (not committed).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MllpReceiver } from '@lib/adapter-sdk/tools';
import { Hl7ErrorCode, issue } from '@lib/hl7';
import { MllpClient } from '@lib/mllp';
import { eventually } from '@lib/kafka/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { freePipelinePorts, LocalPipeline } from '../support/local-pipeline.js';

const root = new URL('../../', import.meta.url).pathname;
const shots = join(root, 'test-artifacts/console');
// Free ports picked at run time: fixed numbers in Linux's ephemeral range (32768-60999) collide with clients' ports.
const ports = await freePipelinePorts();
const consoleUrl = `http://127.0.0.1:${ports.console}`;
const stamp = Date.now().toString(36).toUpperCase();
const mrn = `BRW${stamp}`;
const failing = `BRW-A08-${stamp}`;
let labFixed = false;
let pipeline: LocalPipeline | undefined;
let browser: Browser | undefined;
const receivers: MllpReceiver[] = [];

afterAll(async () => {
  await browser?.close();
  pipeline?.kill();
  await Promise.all(receivers.map((r) => r.stop()));
});

function adt(event: string, controlId: string): string {
  const structure = event === 'A02' ? 'ADT_A02' : event === 'A03' ? 'ADT_A03' : 'ADT_A01';
  return [
    `MSH|^~\\&|EPIC|GENHOSP|HL7-ROUTER|GENHOSP|20261201083000||ADT^${event}^${structure}|${controlId}|P|2.5.1`,
    `EVN|${event}|20261201083000`,
    `PID|1||${mrn}^^^GENHOSP^MR||BROWSER^BETTY^B||19700402|F`,
    `PV1|1|I|${event === 'A02' ? 'WARD2^202^B' : 'WARD1^101^A'}`,
  ].join('\r');
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe('the console in a real browser', () => {
  it('answers "did the lab get it?", replays the dead letter after the fix, and audits it', async () => {
    const chromiumPath = ensureChromium();
    mkdirSync(shots, { recursive: true });
    receivers.push(
      await MllpReceiver.start({
        port: ports.lab,
        name: 'LIS',
        answer: (m) =>
          m.controlId === failing && !labFixed
            ? {
                kind: 'ack',
                code: 'AE',
                issues: [issue(Hl7ErrorCode.RequiredFieldMissing, 'attending doctor missing', { segment: 'PV1', sequence: 1, field: 7 })],
              }
            : { kind: 'ack', code: 'AA' },
      }),
      await MllpReceiver.start({ port: ports.ris, name: 'RIS' }),
    );
    pipeline = await LocalPipeline.start({
      ports,
      demoDir: mkdtempSync(join(tmpdir(), 'console-browser-')),
      runId: `cb${stamp.toLowerCase()}`,
      env: { HL7R_DEMO_RECEIVERS: '0', RETRY_MAX_ATTEMPTS: '2', RETRY_INITIAL_DELAY_MS: '100', RETRY_MAX_DELAY_MS: '200' },
    });
    const client = new MllpClient({ host: '127.0.0.1', port: ports.mllp });
    try {
      for (const [event, controlId] of [
        ['A01', `BRW-A01-${stamp}`],
        ['A02', `BRW-A02-${stamp}`],
        ['A08', failing],
        ['A03', `BRW-A03-${stamp}`],
      ] as const) {
        expect((await client.send(Buffer.from(adt(event, controlId)), 30000)).toString()).toContain(`MSA|AA|${controlId}`);
      }
    } finally {
      await client.close();
    }
    // The A03 reached the lab: the A08 before it was dead-lettered (two AE answers).
    await eventually(
      () => (receivers[0]!.received.some((m) => m.controlId === `BRW-A03-${stamp}`) ? true : undefined),
      60000,
      'the A03 at the lab',
    );

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: CHROMIUM_ARGS,
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    // Sign in (dev form), landing where we were going.
    await page.goto(`${consoleUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot(page, '01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${consoleUrl}/`);

    // Click 1: search by MRN (the index may still be catching up: search again until all four are there).
    await eventually(
      async () => {
        await page.fill('input[name="mrn"]', mrn);
        await page.getByRole('button', { name: 'Search' }).click();
        await page.waitForLoadState();
        return (await page.locator('tbody tr').count()) === 4 ? true : undefined;
      },
      60000,
      'the four messages found by MRN',
    );
    expect(await page.content()).not.toContain(mrn);
    await shot(page, '02-search-by-mrn');

    // Click 2: the A08's timeline: the lab's failed attempts with the ERR, dead-lettered; radiology delivered.
    await page.getByRole('link', { name: failing }).click();
    const lab = page.locator('section.target[data-target="lab"]');
    await expect(lab.locator('h2 .state').first().textContent()).resolves.toBe('dead-lettered');
    const attempts = await lab.locator('table.attempts tbody tr').allTextContents();
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.join('\n')).toMatch(/AE[\s\S]*ERR 101 at PV1-7/);
    await expect(page.locator('section.target[data-target="radiology"] h2 .state').textContent()).resolves.toBe('delivered');
    await shot(page, '03-timeline-dead-lettered');

    // The lab is fixed; click 3: replay it from the timeline.
    labFixed = true;
    await lab.locator('form[action="/dead-letters/replay"] input[name="reason"]').fill('LIS interface fixed (INC-42)');
    await lab.getByRole('button', { name: 'Replay' }).click();
    await expect(page.locator('td .state').first().textContent()).resolves.toBe('replayed');
    await shot(page, '04-replayed');
    await eventually(
      () => (receivers[0]!.received.filter((m) => m.controlId === failing).length >= 3 ? true : undefined),
      60000,
      'the replayed A08 at the lab',
    );

    // Back on the timeline the replayed copy shows delivered.
    await eventually(
      async () => {
        await page.goto(`${consoleUrl}/`);
        await page.fill('input[name="mrn"]', mrn);
        await page.getByRole('button', { name: 'Search' }).click();
        await page.getByRole('link', { name: failing }).click();
        const states = await page.locator('section.target[data-target="lab"] h2 .state').allTextContents();
        return states.includes('delivered') ? true : undefined;
      },
      60000,
      'the replayed copy delivered on the timeline',
    );
    await shot(page, '05-timeline-replay-delivered');

    // The dashboard: each target's state, nothing waiting on the lab any more, every app ready.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const dashboard = await eventually(
      async () => {
        await page.reload();
        const lab = page.locator('table.targets tr[data-target="lab"]');
        const apps = await page.locator('table.apps tbody tr .state').allTextContents();
        const state = await lab.locator('.state').first().textContent();
        const waiting = (await lab.locator('td.dead-letters').textContent())?.trim();
        return state === 'up to date' && waiting === '0' && apps.length === 5 && apps.every((a) => a === 'ready') ? true : undefined;
      },
      60000,
      'the dashboard to show the lab up to date and every app ready',
    );
    expect(dashboard).toBe(true);
    await shot(page, '06-dashboard');

    // The message itself (phi role), audited with the reason given.
    await page.goto(`${consoleUrl}/`);
    await page.fill('input[name="mrn"]', mrn);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: failing }).click();
    await page.fill('section.card:not(.target) form[action$="/content"] input[name="reason"]', 'lab asked what we sent');
    await page.getByRole('button', { name: 'View the message' }).click();
    await expect(page.locator('body').textContent()).resolves.toContain('PV1-3.1 = WARD1');
    await shot(page, '07-message-content');

    // What the lab was sent and what it answered: its first copy's first attempt, the AE with the ERR, as it came back.
    await page.goBack();
    const firstCopy = page.locator('section.target[data-target="lab"]').first();
    await firstCopy.locator('form[action$="/content"] input[name="reason"]').fill('LIS says it never got it');
    await firstCopy.getByRole('button', { name: 'View ACK' }).first().click();
    const answer = (await page.locator('main').textContent()) ?? '';
    expect(answer).toContain("lab's answer to attempt 1");
    expect(answer).toMatch(/MSA-1\s*Acknowledgment Code\s*AE/);
    expect(answer).toMatch(/ERR-3\s/);
    await shot(page, '08-lab-answer');
    await page.goBack();
    await page.locator('section.target[data-target="lab"]').first().getByRole('button', { name: 'View as sent to lab' }).click();
    const asSent = (await page.locator('main').textContent()) ?? '';
    expect(asSent).toContain('as sent to lab');
    expect(asSent).toContain(failing);

    // An auditor sees both in the audit log.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${consoleUrl}/login?next=/audit`);
    for (const role of ['viewer', 'phi', 'operator']) await page.uncheck(`input[name="roles"][value="${role}"]`);
    await page.fill('input[name="name"]', 'privacy-officer');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${consoleUrl}/audit`);
    const rows = await eventually(
      async () => {
        await page.reload();
        const text = (await page.locator('tbody').allTextContents()).join('\n');
        return /replay[\s\S]*view-content|view-content[\s\S]*replay/.test(text) ? text : undefined;
      },
      30000,
      'the replay and the view in the audit log',
    );
    expect(rows).toContain('LIS interface fixed (INC-42)');
    expect(rows).toContain('lab asked what we sent');
    expect(rows).toContain('LIS says it never got it');
    expect(rows).toContain('dev:analyst');
    await shot(page, '09-audit-log');
    // The auditor alone may not replay or view content: the message pages say so.
    expect((await page.goto(`${consoleUrl}/dead-letters`))!.status()).toBe(403);
  }, 300000);
});
