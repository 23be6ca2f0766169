import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AuthenticationMethod, KafkaDlq, ManagedKafkaEventSource, SelfManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
// The one list of secret settings, from the handler's own module (not the SDK index: that loads the whole runtime).
import { SECRET_SETTINGS } from '@lib/adapter-sdk/secrets';
import type { Construct } from 'constructs';

export type SecretSetting = (typeof SECRET_SETTINGS)[number];
export type SecretSource = { secretArn: string; jsonKey?: string } | { ssmParameter: string };

/** Where the routed topic lives: a self-managed cluster, or Amazon MSK. */
export type KafkaSource =
  | {
      kind: 'self-managed';
      bootstrapServers: string[];
      /** SASL/SCRAM (default SASL_SCRAM_512_AUTH) or mTLS (CLIENT_CERTIFICATE_TLS_AUTH) credentials in Secrets Manager. */
      secretArn?: string;
      authentication?: 'SASL_SCRAM_512_AUTH' | 'SASL_SCRAM_256_AUTH' | 'BASIC_AUTH' | 'CLIENT_CERTIFICATE_TLS_AUTH';
      rootCaSecretArn?: string;
    }
  | { kind: 'msk'; clusterArn: string; /** SASL/SCRAM-512 credentials in Secrets Manager. */ secretArn?: string };

export interface AdapterLambdaStackProps extends StackProps {
  /** The adapter's name: lab → function hl7-adapter-lab, topic hl7.route.lab.v1. */
  adapter: string;
  /** The bundled handler (npm run bundle:lambda → dist-lambda/adapter-<name>). */
  codeDir: string;
  source: KafkaSource;
  topic?: string;
  consumerGroupId?: string;
  batchSize?: number;
  maxBatchingWindow?: Duration;
  startingPosition?: lambda.StartingPosition;
  /**
   * By default a batch the function cannot finish (Kafka or the registry unreachable, the deadline reached) is retried
   * until it succeeds: its partition waits, and no patient's message is ever skipped. Refused and undeliverable
   * messages never get here: the adapter dead-letters those itself, in the replayable Kafka Connect form.
   * `onFailure` trades that for liveness (provisioned mode only): after `retryAttempts`, or once a record is older
   * than `maxRecordAge`, Lambda writes the record in its own JSON form to `kafka://<topic>` and moves on, so that
   * patient's later messages are delivered before it. Use a topic of its own (not the adapter's dead-letter topic,
   * whose replay reads the Connect form) and alert on it.
   */
  onFailure?: { topic: string; retryAttempts: number; maxRecordAge: Duration };
  /** Return batchItemFailures instead of failing the batch (provisioned mode; sets REPORT_BATCH_ITEM_FAILURES). */
  reportBatchItemFailures?: boolean;
  provisionedPollers?: { minimumPollers: number; maximumPollers: number };
  /** The VPC (and subnets, security group) from which the function reaches the brokers and the MLLP target. */
  vpc?: { vpcId: string; subnetIds: string[]; securityGroupId: string; availabilityZones: string[] };
  /**
   * An email adapter sending through Amazon SES (ADAPTER_<NAME>_TARGET=ses://<region>): the verified identity it sends
   * as (a domain or address, as in MAIL_FROM) and, if it uses one, its configuration set. The function may call
   * ses:SendEmail / ses:SendRawEmail as exactly that identity (and set), nothing else.
   */
  ses?: { identity: string; configurationSet?: string };
  /** The adapter's environment (ADAPTER_<NAME>_TARGET, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ...), without secrets. */
  environment: Record<string, string>;
  /**
   * The secret settings (LOG_HASH_KEY, KAFKA_SASL_USERNAME/PASSWORD, SCHEMA_REGISTRY_USERNAME/PASSWORD) by reference:
   * a Secrets Manager secret (optionally one key of a JSON secret) or an SSM SecureString parameter. The function
   * reads them at start-up and is granted read access to exactly these; they never appear in its configuration.
   */
  secrets?: Partial<Record<SecretSetting, SecretSource>>;
  timeout?: Duration;
  memorySize?: number;
}

/**
 * One adapter as an AWS Lambda fed by an event-source mapping on its routed Kafka topic: the bundled handler
 * (Node.js 24), the Kafka event source (self-managed or MSK) with batching, starting position, consumer group,
 * credentials, VPC and on-failure destination, and the IAM the function needs (the event source grants its own;
 * VPC access when in a VPC).
 */
export class AdapterLambdaStack extends Stack {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: AdapterLambdaStackProps) {
    super(scope, id, props);
    const topic = props.topic ?? `hl7.route.${props.adapter}.v1`;
    const deadLetterTopic = `hl7.dlq.${props.adapter}.v1`;
    if (props.onFailure && !props.provisionedPollers)
      throw new Error('onFailure (retry limits and a kafka:// destination) needs provisioned mode: set provisionedPollers');
    if (props.onFailure?.topic === deadLetterTopic || props.onFailure?.topic === topic)
      throw new Error(`onFailure.topic must be a topic of its own, not ${props.onFailure.topic}`);
    const plain = SECRET_SETTINGS.filter((name) => props.environment[name] !== undefined);
    if (plain.length > 0)
      throw new Error(`${plain.join(', ')}: secrets go in \`secrets\` (Secrets Manager or SSM), not in the function's environment`);
    const vpc = props.vpc
      ? ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
          vpcId: props.vpc.vpcId,
          availabilityZones: props.vpc.availabilityZones,
          privateSubnetIds: props.vpc.subnetIds,
        })
      : undefined;
    const securityGroup = props.vpc ? ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', props.vpc.securityGroupId) : undefined;
    const subnets = props.vpc ? { subnets: props.vpc.subnetIds.map((s, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, s)) } : undefined;

    this.function = new lambda.Function(this, 'Handler', {
      functionName: `hl7-adapter-${props.adapter}`,
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.codeDir),
      // An ESM Kafka function may run at most 14 minutes; the adapter stops starting records 10 s before.
      timeout: props.timeout ?? Duration.minutes(5),
      memorySize: props.memorySize ?? 512,
      environment: {
        ...props.environment,
        ...secretReferenceVariables(props.secrets ?? {}),
        SOURCE_TOPIC: topic,
        ...(props.reportBatchItemFailures ? { REPORT_BATCH_ITEM_FAILURES: 'true' } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(vpc && securityGroup && subnets ? { vpc, securityGroups: [securityGroup], vpcSubnets: subnets } : {}),
    });

    if (props.ses) {
      const arn = (resource: string) => Stack.of(this).formatArn({ service: 'ses', resource, resourceName: undefined });
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            arn(`identity/${props.ses.identity}`),
            ...(props.ses.configurationSet ? [arn(`configuration-set/${props.ses.configurationSet}`)] : []),
          ],
        }),
      );
    }

    const secret = (arn: string | undefined, name: string) =>
      arn ? secretsmanager.Secret.fromSecretCompleteArn(this, name, arn) : undefined;
    const common = {
      topic,
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      consumerGroupId: props.consumerGroupId ?? `hl7-adapter-${props.adapter}-lambda`,
      ...(props.onFailure
        ? {
            onFailure: new KafkaDlq(props.onFailure.topic),
            retryAttempts: props.onFailure.retryAttempts,
            maxRecordAge: props.onFailure.maxRecordAge,
          }
        : {}),
      reportBatchItemFailures: props.reportBatchItemFailures ?? false,
      ...(props.provisionedPollers ? { provisionedPollerConfig: props.provisionedPollers } : {}),
    };
    for (const [name, from] of Object.entries(props.secrets ?? {}) as [SecretSetting, SecretSource][]) {
      if ('ssmParameter' in from) {
        const id = `${name}Parameter`;
        ssm.StringParameter.fromSecureStringParameterAttributes(this, id, { parameterName: from.ssmParameter }).grantRead(this.function);
      } else {
        secretsmanager.Secret.fromSecretCompleteArn(this, `${name}Secret`, from.secretArn).grantRead(this.function);
      }
    }
    const source = props.source;
    const kafkaSecret = secret(source.secretArn, 'KafkaSecret');
    this.function.addEventSource(
      source.kind === 'msk'
        ? new ManagedKafkaEventSource({ ...common, clusterArn: source.clusterArn, ...(kafkaSecret ? { secret: kafkaSecret } : {}) })
        : new SelfManagedKafkaEventSource({
            ...common,
            bootstrapServers: source.bootstrapServers,
            ...(kafkaSecret ? { secret: kafkaSecret } : {}),
            ...(source.authentication ? { authenticationMethod: AuthenticationMethod[source.authentication] } : {}),
            ...(source.rootCaSecretArn ? { rootCACertificate: secret(source.rootCaSecretArn, 'RootCa')! } : {}),
            ...(vpc && securityGroup && subnets ? { vpc, securityGroup, vpcSubnets: subnets } : {}),
          }),
    );
  }
}

/** `<NAME>_SECRET_ARN` (`<arn>#<key>` for one key of a JSON secret) or `<NAME>_SSM_PARAMETER`, as the handler reads them. */
function secretReferenceVariables(secrets: Partial<Record<SecretSetting, SecretSource>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([name, from]: [string, SecretSource]) =>
      'ssmParameter' in from
        ? [`${name}_SSM_PARAMETER`, from.ssmParameter]
        : [`${name}_SECRET_ARN`, from.jsonKey ? `${from.secretArn}#${from.jsonKey}` : from.secretArn],
    ),
  );
}
