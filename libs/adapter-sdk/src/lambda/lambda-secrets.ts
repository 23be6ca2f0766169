import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AdapterError } from '../adapter-error.js';

/**
 * Settings a Lambda adapter reads from AWS instead of its environment: `<NAME>_SECRET_ARN` (Secrets Manager;
 * `<arn>#<key>` takes one key of a JSON secret) or `<NAME>_SSM_PARAMETER` (an SSM SecureString, decrypted).
 * The function's configuration then holds a reference, never the secret.
 */
export const SECRET_SETTINGS = [
  'LOG_HASH_KEY',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
] as const;

export type SecretReference =
  { setting: string; source: 'secrets-manager'; secretId: string; jsonKey?: string } | { setting: string; source: 'ssm'; name: string };

/** A secret setting could not be read. Names the setting and where it was looked for, never a value. */
export class SecretSettingError extends AdapterError {
  readonly code = 'SECRET_SETTING';
  readonly retriable: boolean;
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(`secret settings could not be read:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.retriable = options?.retriable ?? false;
  }
}

/** The references in `env`, with every conflict listed (a setting given in clear and by reference, or twice). Pure. */
export function secretReferences(env: Readonly<Record<string, string | undefined>>): SecretReference[] {
  const references: SecretReference[] = [];
  const problems: string[] = [];
  for (const setting of SECRET_SETTINGS) {
    const arn = env[`${setting}_SECRET_ARN`];
    const parameter = env[`${setting}_SSM_PARAMETER`];
    if (arn && parameter) problems.push(`${setting}: set ${setting}_SECRET_ARN or ${setting}_SSM_PARAMETER, not both`);
    if ((arn || parameter) && env[setting]) problems.push(`${setting}: given in clear and by reference; keep the reference only`);
    if (arn) {
      const [secretId, jsonKey] = arn.split('#', 2) as [string, string | undefined];
      references.push({ setting, source: 'secrets-manager', secretId, ...(jsonKey ? { jsonKey } : {}) });
    } else if (parameter) {
      references.push({ setting, source: 'ssm', name: parameter });
    }
  }
  if (problems.length > 0) throw new SecretSettingError(problems);
  return references;
}

/** Where secrets are read from: the AWS SDK clients in a function, anything else in tests. */
export interface SecretStore {
  secretString(secretId: string): Promise<string>;
  parameter(name: string): Promise<string>;
}

/**
 * The AWS SDK v3 clients, on the function's role credentials and region. `AWS_ENDPOINT_URL_SECRETS_MANAGER` /
 * `AWS_ENDPOINT_URL_SSM` (the SDK's own variables) point them elsewhere, e.g. a VPC endpoint.
 */
export function awsSecretStore(env: Readonly<Record<string, string | undefined>>): SecretStore {
  const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  const options = (service: string) => {
    const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env['AWS_ENDPOINT_URL'];
    return { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
  };
  const secrets = new SecretsManagerClient(options('SECRETS_MANAGER'));
  const ssm = new SSMClient(options('SSM'));
  return {
    async secretString(secretId) {
      const answer = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (answer.SecretString === undefined) throw new Error('the secret has no SecretString (binary secrets are not supported)');
      return answer.SecretString;
    },
    async parameter(name) {
      const answer = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      if (answer.Parameter?.Value === undefined) throw new Error('the parameter has no value');
      return answer.Parameter.Value;
    },
  };
}

/**
 * `env` with every referenced secret setting filled in from `store` (read once, at the function's start: the warm
 * container keeps them). Every failure is listed, naming the setting and the reference; throttling and AWS 5xx
 * make the error retriable (the next invocation tries again).
 */
export async function resolveSecretSettings(
  env: Readonly<Record<string, string | undefined>>,
  store: SecretStore,
): Promise<Record<string, string | undefined>> {
  const references = secretReferences(env);
  const resolved: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  let retriable = false;
  let cause: unknown;
  await Promise.all(
    references.map(async (ref) => {
      const where = ref.source === 'ssm' ? `SSM parameter ${ref.name}` : `secret ${ref.secretId}${ref.jsonKey ? `#${ref.jsonKey}` : ''}`;
      try {
        if (ref.source === 'ssm') {
          resolved[ref.setting] = await store.parameter(ref.name);
        } else {
          const text = await store.secretString(ref.secretId);
          resolved[ref.setting] = ref.jsonKey ? jsonField(text, ref.jsonKey) : text;
        }
      } catch (error) {
        cause ??= error;
        retriable ||= isTransientAwsError(error);
        problems.push(`${ref.setting}: ${where}: ${awsErrorName(error)}`);
      }
    }),
  );
  if (problems.length > 0) throw new SecretSettingError(problems.sort(), { cause, retriable });
  return resolved;
}

function jsonField(text: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the secret is not JSON, so it has no keys');
  }
  const value = (parsed as Record<string, unknown> | null)?.[key];
  if (typeof value !== 'string') throw new Error(`the JSON secret has no string key ${key}`);
  return value;
}

/** The AWS error's name (AccessDeniedException, ResourceNotFoundException…) or our own message: never a value. */
function awsErrorName(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' ? error.name : error.message;
  return String(error);
}

function isTransientAwsError(error: unknown): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; name?: string } | null) ?? {};
  const status = meta.$metadata?.httpStatusCode ?? 0;
  return status >= 500 || status === 429 || Boolean(meta.$retryable) || /Throttl|TimeoutError|ECONN/.test(meta.name ?? '');
}
