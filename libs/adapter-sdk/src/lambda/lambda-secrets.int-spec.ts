// Secrets Manager and SSM through the real AWS SDK v3 clients, against a local endpoint that speaks their documented
// wire protocol (awsJson1_1: POST /, X-Amz-Target, SigV4-signed): AWS itself cannot run here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretSettingError, awsSecretStore, resolveSecretSettings, secretReferences } from './lambda-secrets.js';

const SECRETS: Record<string, string> = {
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/kafka-AbCdEf': JSON.stringify({
    username: 'lab-adapter',
    password: 's3cr3t-kafka',
  }),
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/plain-XyZ': 'plain-secret-value',
};
const PARAMETERS: Record<string, string> = { '/hl7-router/log-hash-key': 'a-log-hash-key-of-32-characters!' };

interface Seen {
  target: string;
  authorization: string;
  body: Record<string, unknown>;
}

function awsJsonEndpoint(seen: Seen[]) {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      seen.push({ target, authorization: String(req.headers['authorization'] ?? ''), body: parsed });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String(parsed['SecretId']);
        if (id.includes('forbidden')) return reply(400, { __type: 'AccessDeniedException', message: 'not authorized' });
        const value = SECRETS[id];
        if (value === undefined)
          return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return reply(200, { ARN: id, Name: id, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] });
      }
      if (target === 'AmazonSSM.GetParameter') {
        const value = PARAMETERS[String(parsed['Name'])];
        if (value === undefined) return reply(400, { __type: 'ParameterNotFound', message: '' });
        return reply(200, { Parameter: { Name: parsed['Name'], Type: 'SecureString', Value: value, Version: 1 } });
      }
      return reply(400, { __type: 'UnknownOperationException' });
    });
  });
}

describe('Lambda secret settings from Secrets Manager and SSM', () => {
  const seen: Seen[] = [];
  const server = awsJsonEndpoint(seen);
  let endpoint: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The function role's credentials, as Lambda provides them.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      AWS_SESSION_TOKEN: 'token',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const base = () => ({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint, KAFKA_BROKERS: 'b:9092' });

  it('fills each referenced setting, with SigV4-signed requests to each service', async () => {
    const env = {
      ...base(),
      LOG_HASH_KEY_SSM_PARAMETER: '/hl7-router/log-hash-key',
      KAFKA_SASL_USERNAME_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/kafka-AbCdEf#username',
      KAFKA_SASL_PASSWORD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/kafka-AbCdEf#password',
      SCHEMA_REGISTRY_PASSWORD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/plain-XyZ',
    };
    const resolved = await resolveSecretSettings(env, awsSecretStore(env));
    expect(resolved).toMatchObject({
      LOG_HASH_KEY: 'a-log-hash-key-of-32-characters!',
      KAFKA_SASL_USERNAME: 'lab-adapter',
      KAFKA_SASL_PASSWORD: 's3cr3t-kafka',
      SCHEMA_REGISTRY_PASSWORD: 'plain-secret-value',
      KAFKA_BROKERS: 'b:9092',
    });
    expect(seen.find((s) => s.target === 'AmazonSSM.GetParameter')?.body).toEqual({
      Name: '/hl7-router/log-hash-key',
      WithDecryption: true,
    });
    for (const s of seen)
      expect(s.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/(secretsmanager|ssm)\/aws4_request/);
  });

  it('lists every setting it could not read, naming the reference and the AWS error, never a value', async () => {
    const env = {
      ...base(),
      LOG_HASH_KEY_SSM_PARAMETER: '/hl7-router/missing',
      KAFKA_SASL_PASSWORD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:forbidden',
      KAFKA_SASL_USERNAME_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/kafka-AbCdEf#user',
    };
    const failed = await resolveSecretSettings(env, awsSecretStore(env)).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(SecretSettingError);
    expect((failed as SecretSettingError).problems).toEqual([
      'KAFKA_SASL_PASSWORD: secret arn:aws:secretsmanager:eu-west-1:111122223333:secret:forbidden: AccessDeniedException',
      'KAFKA_SASL_USERNAME: secret arn:aws:secretsmanager:eu-west-1:111122223333:secret:hl7/kafka-AbCdEf#user: the JSON secret has no string key user',
      'LOG_HASH_KEY: SSM parameter /hl7-router/missing: ParameterNotFound',
    ]);
    expect((failed as Error).message).not.toMatch(/s3cr3t|lab-adapter/);
    expect((failed as SecretSettingError).retriable).toBe(false);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['clear and by reference', { LOG_HASH_KEY: 'x', LOG_HASH_KEY_SSM_PARAMETER: '/p' }, /LOG_HASH_KEY: given in clear and by reference/],
    ['two references', { LOG_HASH_KEY_SECRET_ARN: 'arn:x', LOG_HASH_KEY_SSM_PARAMETER: '/p' }, /not both/],
  ])('refuses a setting given %s', (_name, env, problem) => {
    expect(() => secretReferences(env)).toThrow(problem);
  });
});
