// The CDK app: one AdapterLambdaStack per adapter in the config file (HL7R_CDK_CONFIG, default
// deploy/cdk/example.config.json). `npm run cdk:synth` synthesises it offline into cdk.out/; deploy with the AWS CDK
// CLI (`npx aws-cdk deploy --app cdk.out`) from an account that can reach the brokers and the MLLP targets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { AdapterLambdaStack, type KafkaSource, type SecretSetting, type SecretSource } from './adapter-lambda-stack.js';

interface AdapterEntry {
  adapter: string;
  source: KafkaSource;
  environment: Record<string, string>;
  secrets?: Partial<Record<SecretSetting, SecretSource>>;
  batchSize?: number;
  maxBatchingWindowSeconds?: number;
  consumerGroupId?: string;
  reportBatchItemFailures?: boolean;
  provisionedPollers?: { minimumPollers: number; maximumPollers: number };
  vpc?: { vpcId: string; subnetIds: string[]; securityGroupId: string; availabilityZones: string[] };
  /** Email adapters through Amazon SES: the identity they send as (and configuration set). */
  ses?: { identity: string; configurationSet?: string };
}

const root = process.env['HL7R_ROOT'] ?? process.cwd();
const configFile = process.env['HL7R_CDK_CONFIG'] ?? join(root, 'deploy/cdk/example.config.json');
const config = JSON.parse(readFileSync(configFile, 'utf8')) as { account: string; region: string; adapters: AdapterEntry[] };
// CloudFormation's own rules run at synth; a template that breaks them fails the synth instead of warning.
const app = new App({ outdir: join(root, 'cdk.out'), context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
for (const entry of config.adapters) {
  new AdapterLambdaStack(app, `Hl7Adapter-${entry.adapter}`, {
    env: { account: config.account, region: config.region },
    adapter: entry.adapter,
    codeDir: join(root, 'dist-lambda', `adapter-${entry.adapter}`),
    source: entry.source,
    environment: entry.environment,
    ...(entry.secrets ? { secrets: entry.secrets } : {}),
    ...(entry.batchSize ? { batchSize: entry.batchSize } : {}),
    ...(entry.maxBatchingWindowSeconds ? { maxBatchingWindow: Duration.seconds(entry.maxBatchingWindowSeconds) } : {}),
    ...(entry.consumerGroupId ? { consumerGroupId: entry.consumerGroupId } : {}),
    ...(entry.reportBatchItemFailures ? { reportBatchItemFailures: true } : {}),
    ...(entry.provisionedPollers ? { provisionedPollers: entry.provisionedPollers } : {}),
    ...(entry.vpc ? { vpc: entry.vpc } : {}),
    ...(entry.ses ? { ses: entry.ses } : {}),
  });
}
const assembly = app.synth();
process.stdout.write(`synthesised ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory}\n`);
