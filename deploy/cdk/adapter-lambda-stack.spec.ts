// Synthesises the adapter Lambda stack offline (no AWS account) and checks the CloudFormation it would deploy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AdapterLambdaStack, type AdapterLambdaStackProps } from './adapter-lambda-stack.js';

const codeDir = mkdtempSync(join(tmpdir(), 'adapter-code-'));
writeFileSync(join(codeDir, 'index.mjs'), 'export const handler = async () => ({ batchItemFailures: [] });\n');
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hl7/kafka-AbCdEf';
const environment = {
  ADAPTER_LAB_TARGET: 'mllp://lis.hospital.internal:6661',
  KAFKA_BROKERS: 'b1:9096',
  SCHEMA_REGISTRY_URL: 'https://sr.internal',
};

function synth(props: Partial<AdapterLambdaStackProps>) {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } }); // CloudFormation's rules: errors, not warnings
  const stack = new AdapterLambdaStack(app, 'Lab', {
    env: { account: '123456789012', region: 'eu-west-1' },
    adapter: 'lab',
    codeDir,
    environment,
    secrets: { LOG_HASH_KEY: { ssmParameter: '/hl7-router/log-hash-key' } },
    source: { kind: 'self-managed', bootstrapServers: ['b1.example.com:9096', 'b2.example.com:9096'], secretArn },
    ...props,
  });
  return Template.fromStack(stack);
}

describe('AdapterLambdaStack', () => {
  it('self-managed Kafka: the event-source mapping carries topic, batching, start, group and SASL secret; no on-failure destination', () => {
    const template = synth({
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(2),
      reportBatchItemFailures: true,
      provisionedPollers: { minimumPollers: 1, maximumPollers: 6 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['hl7.route.lab.v1'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 2,
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['b1.example.com:9096', 'b2.example.com:9096'] } },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: secretArn }],
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'hl7-adapter-lab-lambda' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 6 },
    });
    // A batch that cannot finish is retried until it does (AWS's defaults): no record is ever skipped by default.
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as { Properties: Record<string, unknown> };
    expect(mapping.Properties).not.toHaveProperty('DestinationConfig');
    expect(mapping.Properties).not.toHaveProperty('MaximumRetryAttempts');
    expect(mapping.Properties).not.toHaveProperty('MaximumRecordAgeInSeconds');
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'hl7-adapter-lab',
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({ ...environment, SOURCE_TOPIC: 'hl7.route.lab.v1', REPORT_BATCH_ITEM_FAILURES: 'true' }),
      },
    });
    // The function may read the Kafka credentials.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Effect: 'Allow' })]),
      },
    });
  });

  it('passes secrets by reference, grants read access to exactly those, and refuses them in the environment', () => {
    const template = synth({
      secrets: {
        LOG_HASH_KEY: { ssmParameter: '/hl7-router/log-hash-key' },
        KAFKA_SASL_PASSWORD: { secretArn, jsonKey: 'password' },
      },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(fn.Properties.Environment.Variables).toMatchObject({
      LOG_HASH_KEY_SSM_PARAMETER: '/hl7-router/log-hash-key',
      KAFKA_SASL_PASSWORD_SECRET_ARN: `${secretArn}#password`,
    });
    expect(fn.Properties.Environment.Variables).not.toHaveProperty('LOG_HASH_KEY');
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const ssmRead = statements.find((s) => actions(s).includes('ssm:GetParameter'));
    expect(JSON.stringify(ssmRead?.Resource)).toContain('parameter/hl7-router/log-hash-key');
    const secretRead = statements.filter((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secretRead.map((s) => s.Resource))).toContain(secretArn);
    expect(() => synth({ environment: { ...environment, LOG_HASH_KEY: 'plain', KAFKA_SASL_PASSWORD: 'plain' } })).toThrow(
      'LOG_HASH_KEY, KAFKA_SASL_PASSWORD: secrets go in `secrets`',
    );
  });

  it('an email adapter through SES may send as its own identity (and configuration set) only; an MLLP adapter not at all', () => {
    const statements = (template: Template) =>
      Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument
            .Statement,
      );
    const mailer = synth({
      adapter: 'notify',
      environment: {
        ADAPTER_NOTIFY_TARGET: 'ses://eu-west-1',
        MAIL_FROM: 'notify@genhosp.example.org',
        KAFKA_BROKERS: 'b1:9096',
        SCHEMA_REGISTRY_URL: 'https://sr.internal',
      },
      ses: { identity: 'genhosp.example.org', configurationSet: 'hl7-notify' },
    });
    const ses = statements(mailer).filter((s) => JSON.stringify(s.Action).includes('ses:'));
    expect(ses).toEqual([
      expect.objectContaining({
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/genhosp.example.org']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:configuration-set/hl7-notify']] },
        ],
      }),
    ]);
    expect(JSON.stringify(statements(synth({})))).not.toContain('ses:');
  });

  it('an explicit on-failure topic comes with explicit retry and age limits, in provisioned mode, on a topic of its own', () => {
    const onFailure = { topic: 'hl7.lambda-failures.lab.v1', retryAttempts: 100, maxRecordAge: Duration.hours(6) };
    const template = synth({ onFailure, provisionedPollers: { minimumPollers: 1, maximumPollers: 2 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: 'kafka://hl7.lambda-failures.lab.v1' } },
      MaximumRetryAttempts: 100,
      MaximumRecordAgeInSeconds: 21600,
    });
    expect(() => synth({ onFailure })).toThrow('provisioned mode');
    expect(() =>
      synth({ onFailure: { ...onFailure, topic: 'hl7.dlq.lab.v1' }, provisionedPollers: { minimumPollers: 1, maximumPollers: 2 } }),
    ).toThrow('a topic of its own');
  });

  it('mutual TLS to a self-managed cluster, inside a VPC', () => {
    const template = synth({
      source: { kind: 'self-managed', bootstrapServers: ['b1.example.com:9094'], secretArn, authentication: 'CLIENT_CERTIFICATE_TLS_AUTH' },
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        securityGroupId: 'sg-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: Match.arrayWith([
        { Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: secretArn },
        { Type: 'VPC_SECURITY_GROUP', URI: 'sg-0123456789abcdef0' },
        { Type: 'VPC_SUBNET', URI: 'subnet-0123456789abcdef0' },
        { Type: 'VPC_SUBNET', URI: 'subnet-0123456789abcdef1' },
      ]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], SecurityGroupIds: ['sg-0123456789abcdef0'] },
    });
  });

  it('Amazon MSK: the cluster ARN instead of endpoints, and the MSK permissions', () => {
    const clusterArn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/hl7/0a1b2c3d-1';
    const template = synth({
      source: { kind: 'msk', clusterArn, secretArn },
      startingPosition: undefined,
      consumerGroupId: 'lab-from-msk',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: clusterArn,
      Topics: ['hl7.route.lab.v1'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'lab-from-msk' },
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: secretArn }],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['kafka:DescribeCluster', 'kafka:GetBootstrapBrokers']) })]),
      },
    });
    expect(JSON.stringify(template.toJSON())).toContain('AWSLambdaMSKExecutionRole');
  });
});
