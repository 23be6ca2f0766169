import { describe, expect, it } from '@jest/globals';
import { DEFAULT_EMAIL_ACTIONS, EMAIL_CONDITIONS, sesAnswer, smtpAnswer } from './email-conditions.js';

describe('SMTP answers', () => {
  it.each([
    [
      { responseCode: 550, response: '550 5.1.1 <dr.x@clinic.example>: no such mailbox', command: 'RCPT TO' },
      'bad-address',
      'SMTP 550 5.1.1 at RCPT TO',
    ],
    [{ responseCode: 553, response: '553 5.1.3 bad address syntax', command: 'MAIL FROM' }, 'bad-address', 'SMTP 553 5.1.3 at MAIL FROM'],
    [{ responseCode: 554, response: '554 5.7.1 message rejected', command: 'DATA' }, 'rejected', 'SMTP 554 5.7.1 at DATA'],
    [{ responseCode: 552, response: '552 message too big', command: 'DATA' }, 'rejected', 'SMTP 552 at DATA'],
    [
      { responseCode: 535, response: '535 5.7.8 authentication failed', command: 'AUTH PLAIN' },
      'transient',
      'SMTP 535 5.7.8 at AUTH PLAIN',
    ],
    [{ responseCode: 421, response: '421 4.7.0 too many connections', command: 'CONN' }, 'throttled', 'SMTP 421 4.7.0 at CONN'],
    [{ responseCode: 451, response: '451 4.7.1 slow down', command: 'DATA' }, 'throttled', 'SMTP 451 4.7.1 at DATA'],
    [{ responseCode: 452, response: '452 4.5.3 too many recipients', command: 'RCPT TO' }, 'throttled', 'SMTP 452 4.5.3 at RCPT TO'],
    [{ responseCode: 450, response: '450 4.2.1 mailbox busy', command: 'RCPT TO' }, 'transient', 'SMTP 450 4.2.1 at RCPT TO'],
    [{ code: 'ECONNECTION' }, 'transient', 'SMTP ECONNECTION (no reply)'],
    [{ code: 'ETIMEDOUT' }, 'transient', 'SMTP ETIMEDOUT (no reply)'],
    [{ code: 'ETLS' }, 'transient', 'SMTP ETLS (no reply)'],
  ] as const)('%j → %s', (failure, condition, detail) => {
    const answer = smtpAnswer(failure);
    expect(answer).toMatchObject({ condition, detail });
    // The server's text (it may quote an address) is kept as the answer's bytes, never in the ledger's detail.
    expect(answer.detail).not.toContain('@');
    if ('response' in failure) expect(answer.ack?.toString()).toBe(failure.response);
  });
});

describe('SES answers', () => {
  it.each([
    [{ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }, 'throttled'],
    [{ name: 'LimitExceededException', $metadata: { httpStatusCode: 400 } }, 'throttled'],
    [{ name: 'MessageRejected', $metadata: { httpStatusCode: 400 } }, 'rejected'],
    [{ name: 'MailFromDomainNotVerifiedException', $metadata: { httpStatusCode: 400 } }, 'rejected'],
    [{ name: 'AccountSuspendedException', $metadata: { httpStatusCode: 400 } }, 'rejected'],
    [{ name: 'SendingPausedException', $metadata: { httpStatusCode: 400 } }, 'transient'],
    [{ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }, 'transient'],
    [{ name: 'TimeoutError' }, 'transient'],
    [{ name: 'CredentialsProviderError' }, 'transient'],
  ] as const)('%j → %s', (failure, condition) => {
    const answer = sesAnswer(failure);
    expect(answer.condition).toBe(condition);
    expect(answer.detail).toMatch(new RegExp(`^SES ${failure.name}`));
  });
});

it('every condition has an action: sent and duplicate are done, refusals for good dead-letter, the rest retry', () => {
  expect(Object.keys(DEFAULT_EMAIL_ACTIONS).sort()).toEqual([...EMAIL_CONDITIONS].sort());
  expect(EMAIL_CONDITIONS.filter((c) => DEFAULT_EMAIL_ACTIONS[c] === 'dead-letter')).toEqual(['rejected', 'bad-address']);
});
