// The console's OIDC sign-in against a real OpenID provider (oidc-provider, in this process) and the built console
// app, in Debian's Chromium: the authorization code flow with PKCE, roles from the ID token's groups claim mapped by
// OIDC_ROLE_VALUES, an account with no console role refused, and the dev sign-in closed in this mode. The console
// keeps its index in PostgreSQL here (INDEX_DATABASE_URL), as the chart's multi-replica setting does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openTestKafka, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import Provider from 'oidc-provider';
import { type Browser, chromium, type Page } from 'playwright-core';
import { AppProcess } from '../support/app-process.js';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { ensurePostgres, freshDatabase } from '../support/postgres.js';

const groups: Record<string, string[]> = { dana: ['hl7-viewers', 'staff'], olive: ['hl7-viewers', 'privacy-office'] };
let idp: Server | undefined;
let app: AppProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  idp?.close();
});

/** Through the provider's own login (any password) and consent pages, back to the console. */
async function signInAt(page: Page, consoleUrl: string, login: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${consoleUrl}/`);
  await page.getByRole('link', { name: /Sign in with your organization/ }).click();
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForLoadState();
  if (!page.url().startsWith(consoleUrl)) await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.href.startsWith(consoleUrl));
}

describe('console sign-in with OIDC', () => {
  it('signs in at the identity provider, maps its groups to roles, and refuses an account without a console role', async () => {
    const [idpPort, consolePort] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${idpPort}`;
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'hl7-console',
          client_secret: 'a-client-secret-for-the-test',
          redirect_uris: [`${consoleUrl}/auth/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
      cookies: { keys: ['a-cookie-key-for-the-test-provider'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      conformIdTokenClaims: false,
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({
          sub,
          name: `${sub[0]!.toUpperCase()}${sub.slice(1)} Analyst`,
          email: `${sub}@hospital.example`,
          groups: groups[sub] ?? ['staff'],
        }),
      }),
    });
    idp = provider.listen(idpPort);

    const kafka = testKafkaEnv();
    const run = uniqueName('oidc');
    // The topics the console indexes are the pipeline's (it waits for them, and is ready once it indexes them).
    const testKafka = await openTestKafka('console-oidc-e2e');
    await testKafka.admin.ensureTopics(
      ['route-lab', 'dlq-lab', 'adt', 'quarantine', 'ledger'].map((name) => ({ name: `${run}-${name}`, partitions: 1 })),
    );
    await testKafka.close();
    app = AppProcess.start(
      'apps/console/src/main.js',
      {
        KAFKA_BROKERS: kafka.brokers.join(','),
        SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
        TARGETS: 'lab',
        ROUTE_TOPICS: `lab=${run}-route-lab`,
        DEAD_LETTER_TOPICS: `lab=${run}-dlq-lab`,
        ADT_TOPIC: `${run}-adt`,
        QUARANTINE_TOPIC: `${run}-quarantine`,
        LEDGER_TOPIC: `${run}-ledger`,
        AUDIT_TOPIC: `${run}-audit`,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'console-oidc-')),
        INDEX_DATABASE_URL: await freshDatabase(ensurePostgres()),
        LOG_HASH_KEY: 'console-oidc-e2e-hash-key',
        HTTP_PORT: String(consolePort),
        CONSOLE_AUTH: 'oidc',
        OIDC_ISSUER_URL: issuer,
        OIDC_CLIENT_ID: 'hl7-console',
        OIDC_CLIENT_SECRET: 'a-client-secret-for-the-test',
        OIDC_REDIRECT_URL: `${consoleUrl}/auth/callback`,
        OIDC_ROLES_CLAIM: 'groups',
        OIDC_ROLE_VALUES: 'viewer=hl7-viewers,auditor=privacy-office',
        SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
        SESSION_COOKIE_SECURE: 'false',
      },
      join(tmpdir(), `${run}-console.log`),
    );
    await app.untilReady(`${consoleUrl}/health/ready`, 90000, 'the console to start');
    // The dev form does not exist in this mode.
    expect((await fetch(`${consoleUrl}/login/dev`, { method: 'POST', body: new URLSearchParams({ roles: 'phi' }) })).status).toBe(404);

    browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    const page = await browser.newPage();

    await signInAt(page, consoleUrl, 'dana');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('header .user').textContent()).resolves.toBe('Dana Analyst · viewer');
    expect((await page.goto(`${consoleUrl}/audit`))!.status()).toBe(403);

    await signInAt(page, consoleUrl, 'olive');
    await expect(page.locator('header .user').textContent()).resolves.toBe('Olive Analyst · viewer, auditor');
    expect((await page.goto(`${consoleUrl}/audit`))!.status()).toBe(200);

    await signInAt(page, consoleUrl, 'mallory');
    await expect(page.locator('main').textContent()).resolves.toContain('none of the console roles');
    const refused = await fetch(`${consoleUrl}/api/messages?controlId=X`, {
      headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    expect(refused.status).toBe(401);
  }, 180000);
});
