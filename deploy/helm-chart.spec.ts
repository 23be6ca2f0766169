// The Helm chart, rendered by a real helm (built from its Go module by scripts/lib/helm-tools.sh, as in CI) and read
// as data: what a cluster would be given. The rendered environment of each app is run through that app's own zod
// config schema, so a chart that would not boot its apps fails here, not in a cluster.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { adapterConfigSchema } from '@lib/adapter-sdk/tools';
import { settingNames, tracingSettings } from '@lib/platform';
import { parse } from 'yaml';
import type { z } from 'zod';
import { consoleConfigSchema } from '../apps/console/src/console-config.js';
import { gatewayConfigSchema } from '../apps/mllp-gateway/src/gateway-config.js';
import { parseRoutes } from '../apps/router/src/routes/route-config.js';
import { routerConfigSchema } from '../apps/router/src/router-config.js';
import {
  HelmChart,
  type Manifest,
  chartDir as chart,
  container,
  find,
  helmTool,
  podEnvironment,
  repoRoot as root,
} from '../test/support/helm-chart.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and JSON schemas are untyped data, read field by field */
const productionValues = join(chart, 'ci/production-values.yaml');

let helm: HelmChart;
const render = (values: Record<string, unknown> = {}, extraArgs: string[] = []) => helm.render(values, extraArgs);
/** The error helm prints when it refuses the values (schema or the chart's own checks). */
function renderError(values: Record<string, unknown>): string {
  const result = helm.refuse(values);
  expect(result.status).not.toBe(0);
  return result.stderr;
}
const environmentOf = (manifests: Manifest[], workload: Manifest) => podEnvironment(manifests, workload);

beforeAll(() => {
  helm = HelmChart.load();
}, 600_000);

describe('Helm chart, default values', () => {
  let manifests: Manifest[];
  beforeAll(() => {
    manifests = render();
  });
  const workloads = () => manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');

  it('deploys the gateway, the router and both adapters', () => {
    expect(workloads().map((w) => `${w.kind}/${w.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Deployment/hl7-hl7-router-gateway',
        'StatefulSet/hl7-hl7-router-router',
        'Deployment/hl7-hl7-router-adapter-lab',
        'Deployment/hl7-hl7-router-adapter-radiology',
      ]),
    );
    expect(workloads()).toHaveLength(4);
  });

  it('runs every pod as user 1000, non-root, read-only root filesystem, no privilege escalation, no capabilities', () => {
    for (const w of workloads()) {
      expect(w.spec.template.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container(w).securityContext).toEqual({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(w.spec.template.spec.automountServiceAccountToken).toBe(false);
      // a writable /tmp for a read-only root filesystem
      expect(container(w).volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
    }
  });

  it('probes each app on its health endpoints and gives it resources', () => {
    for (const w of workloads()) {
      const c = container(w);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      const httpPort = c.ports.find((p: { name: string }) => p.name === 'http').containerPort;
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'HTTP_PORT', value: String(httpPort) }]));
      expect(c.resources.requests).toHaveProperty('memory');
      expect(c.resources.limits).toHaveProperty('memory');
    }
  });

  it("boots each app: the rendered environment passes the app's own config schema", () => {
    const gateway = environmentOf(manifests, find(manifests, 'Deployment', 'hl7-hl7-router-gateway'));
    expect(gateway['APP']).toBe('mllp-gateway');
    const gatewayConfig = gatewayConfigSchema.parse(gateway);
    expect(gatewayConfig).toMatchObject({ MLLP_PORT: 2575, MLLP_HOST: '0.0.0.0', ADT_TOPIC: 'hl7.adt.v1', KAFKA_BROKERS: ['kafka:9092'] });
    // Quarantine and dead letters kept 90 days; min.insync.replicas left to the apps' min(2, RF).
    expect(gatewayConfig.DEAD_LETTER_RETENTION_MS).toBe(90 * 24 * 3600 * 1000);
    expect(gatewayConfig.TOPIC_MIN_INSYNC_REPLICAS).toBeUndefined();

    const router = environmentOf(manifests, find(manifests, 'StatefulSet', 'hl7-hl7-router-router'));
    const routerConfig = routerConfigSchema.parse(router);
    expect(routerConfig).toMatchObject({
      APPLICATION_ID: 'hl7-router',
      PROCESSING_GUARANTEE: 'exactly_once',
      ADT_TOPIC: gatewayConfig.ADT_TOPIC,
    });

    for (const name of ['lab', 'radiology']) {
      const env = environmentOf(manifests, find(manifests, 'Deployment', `hl7-hl7-router-adapter-${name}`));
      expect(env['APP']).toBe(`adapter-${name}`);
      const config = adapterConfigSchema({ name, sourceTopic: `hl7.route.${name}.v1` }).parse(env);
      expect(config.target).toEqual({ kind: 'mllp', host: `${name === 'lab' ? 'lis' : 'ris'}.example.internal`, port: 2575, tls: false });
      expect(config.GROUP_ID).toBe(`hl7-adapter-${name}`);
    }
  });

  it('exports no traces by default; with tracing.otlpEndpoint every app gets the OTEL_* settings it accepts', () => {
    for (const w of workloads()) expect(tracingSettings(environmentOf(manifests, w))).toEqual({ enabled: false, problems: [] });
    const traced = render({
      tracing: { otlpEndpoint: 'http://otel-collector.observability:4318', sampler: 'parentbased_traceidratio', samplerArg: '0.25' },
    });
    const apps = traced.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
    expect(apps).toHaveLength(4);
    for (const w of apps) {
      const env = environmentOf(traced, w);
      expect(tracingSettings(env)).toEqual({ enabled: true, problems: [] });
      expect(env).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=hl7',
      });
      // Each app names itself (runApp): no OTEL_SERVICE_NAME shared by all.
      expect(env).not.toHaveProperty('OTEL_SERVICE_NAME');
    }
    expect(renderError({ tracing: { otlpEndpoint: 'otel-collector:4318' } })).toContain('otlpEndpoint');
  });

  it('mounts the routes the router parses, and every routed target has an adapter reading its topic', () => {
    const router = find(manifests, 'StatefulSet', 'hl7-hl7-router-router');
    const env = environmentOf(manifests, router);
    const mount = container(router).volumeMounts.find((m: { name: string }) => m.name === 'routes');
    expect(env['ROUTES_FILE']).toBe(`${mount.mountPath}/routes.yaml`);
    const routes = parseRoutes(parse(find(manifests, 'ConfigMap', 'hl7-hl7-router-router-routes').data!['routes.yaml']!));
    const adapterTopics = ['lab', 'radiology'].map(
      (n) => environmentOf(manifests, find(manifests, 'Deployment', `hl7-hl7-router-adapter-${n}`))['SOURCE_TOPIC'],
    );
    expect(routes.targets.map((t) => t.topic ?? `hl7.route.${t.name}.v1`).sort()).toEqual(adapterTopics.sort());
  });

  it('runs the router as a StatefulSet whose pod name is the INSTANCE_ID (stable transactional id)', () => {
    const router = find(manifests, 'StatefulSet', 'hl7-hl7-router-router');
    expect(container(router).env).toEqual(
      expect.arrayContaining([{ name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]),
    );
    expect(router.spec.serviceName).toBe('hl7-hl7-router-router-metrics');
    expect(find(manifests, 'Service', 'hl7-hl7-router-router-metrics').spec.clusterIP).toBe('None');
  });

  it('scales the router and each adapter with a KEDA ScaledObject on its consumer group lag', () => {
    const router = find(manifests, 'ScaledObject', 'hl7-hl7-router-router');
    expect(router.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'hl7-hl7-router-router' });
    expect(router.spec.triggers).toEqual([
      {
        type: 'kafka',
        metadata: {
          bootstrapServers: 'kafka:9092',
          tls: 'disable',
          consumerGroup: 'hl7-router',
          topic: 'hl7.adt.v1',
          lagThreshold: '1000',
          activationLagThreshold: '0',
          offsetResetPolicy: 'earliest',
          allowIdleConsumers: 'false',
        },
      },
    ]);
    const lab = find(manifests, 'ScaledObject', 'hl7-hl7-router-adapter-lab');
    expect(lab.spec.scaleTargetRef.kind).toBe('Deployment');
    expect(lab.spec.triggers[0].metadata).toMatchObject({
      consumerGroup: 'hl7-adapter-lab',
      topic: 'hl7.route.lab.v1',
      lagThreshold: '200',
    });
    for (const so of manifests.filter((m) => m.kind === 'ScaledObject')) expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(6);
    // KEDA owns the replica count of what it scales; the gateway keeps its own.
    expect(find(manifests, 'StatefulSet', 'hl7-hl7-router-router').spec).not.toHaveProperty('replicas');
    expect(find(manifests, 'Deployment', 'hl7-hl7-router-adapter-lab').spec).not.toHaveProperty('replicas');
    expect(find(manifests, 'Deployment', 'hl7-hl7-router-gateway').spec.replicas).toBe(2);
    expect(manifests.some((m) => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'TriggerAuthentication')).toBe(false);
  });

  it('exposes MLLP on 2575 and drains before stopping (preStop, then a grace period longer than it)', () => {
    const service = find(manifests, 'Service', 'hl7-hl7-router-gateway');
    expect(service.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'mllp', port: 2575, targetPort: 'mllp', protocol: 'TCP' }] });
    const gateway = find(manifests, 'Deployment', 'hl7-hl7-router-gateway');
    expect(container(gateway).ports).toEqual(expect.arrayContaining([{ name: 'mllp', containerPort: 2575, protocol: 'TCP' }]));
    expect(container(gateway).lifecycle.preStop.exec.command).toEqual(['sleep', '15']);
    // the gateway's own drain takes up to 30 s after SIGTERM
    expect(gateway.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15 + 30);
    expect(gateway.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('keeps every app available through voluntary disruptions', () => {
    const pdbs = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(
      ['adapter-lab', 'adapter-radiology', 'gateway', 'router'].map((c) => `hl7-hl7-router-${c}`).sort(),
    );
    expect(find(manifests, 'PodDisruptionBudget', 'hl7-hl7-router-gateway').spec.minAvailable).toBe(1);
  });

  it('creates the MRN hash key Secret once (kept) and hands it to the apps that hash MRNs', () => {
    const secret = find(manifests, 'Secret', 'hl7-hl7-router-log-hash-key') as Manifest & {
      metadata: { annotations: Record<string, string> };
    };
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from(secret.data!['log-hash-key']!, 'base64').length).toBeGreaterThanOrEqual(16);
    const gatewayEnv = container(find(manifests, 'Deployment', 'hl7-hl7-router-gateway')).env;
    expect(gatewayEnv).toEqual(
      expect.arrayContaining([
        { name: 'LOG_HASH_KEY', valueFrom: { secretKeyRef: { name: 'hl7-hl7-router-log-hash-key', key: 'log-hash-key' } } },
      ]),
    );
  });
});

describe('Helm chart, choices', () => {
  it('falls back to CPU HorizontalPodAutoscalers when KEDA is disabled', () => {
    const manifests = render({ autoscaling: { keda: false } });
    expect(manifests.some((m) => m.kind === 'ScaledObject')).toBe(false);
    const hpas = manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`).sort()).toEqual([
      'Deployment/hl7-hl7-router-adapter-lab',
      'Deployment/hl7-hl7-router-adapter-radiology',
      'StatefulSet/hl7-hl7-router-router',
    ]);
    expect(hpas[0]!.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
  });

  it('renders no NetworkPolicy by default, and refuses enabling them without saying who may send MLLP', () => {
    expect(render().some((m) => m.kind === 'NetworkPolicy')).toBe(false);
    expect(() => render({ networkPolicy: { enabled: true } })).toThrow(/networkPolicy.gateway.mllpFrom: list who may send MLLP/);
  });

  it('refuses more replicas than partitions, naming the values', () => {
    expect(renderError({ topics: { partitions: 3 }, adapters: { lab: { autoscaling: { maxReplicas: 4 } } } })).toContain(
      'adapters.lab.autoscaling.maxReplicas (4) exceeds topics.partitions (3)',
    );
    expect(renderError({ topics: { partitions: 2 } })).toContain('router.autoscaling.maxReplicas (3) exceeds topics.partitions (2)');
  });

  it('refuses values outside values.schema.json: chart-managed settings, wrong types, unknown keys, bad targets', () => {
    expect(renderError({ gateway: { settings: { MLLP_PORT: 1234 } } })).toMatch(/additional properties 'MLLP_PORT' not allowed/);
    expect(renderError({ gateway: { service: { type: 'Ingress' } } })).toContain('/gateway/service/type');
    expect(renderError({ router: { replicas: 2 } })).toMatch(/additional properties 'replicas' not allowed/);
    expect(renderError({ adapters: { pharmacy: { enabled: true } } })).toMatch(/missing property 'target'/);
    expect(renderError({ adapters: { lab: { target: 'lis:2575' } } })).toContain('/adapters/lab/target');
    expect(renderError({ kafka: { sasl: { mechanism: 'gssapi' } } })).toContain('/kafka/sasl/mechanism');
  });

  it('passes SASL credentials and the CA from Secrets, to the apps and to KEDA', () => {
    const manifests = render({
      kafka: {
        brokers: 'b-1:9096,b-2:9096',
        tls: { enabled: true, caSecret: { name: 'corp-ca', key: 'root.pem' } },
        sasl: { mechanism: 'scram-sha-512', existingSecret: 'kafka-user', usernameKey: 'user', passwordKey: 'pass' },
      },
      schemaRegistry: { url: 'https://registry:8081', basicAuth: { existingSecret: 'registry-user' } },
    });
    const router = find(manifests, 'StatefulSet', 'hl7-hl7-router-router');
    const env = container(router).env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'KAFKA_SSL', value: 'true' },
        { name: 'KAFKA_SASL_MECHANISM', value: 'scram-sha-512' },
        { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: 'kafka-user', key: 'user' } } },
        { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka-user', key: 'pass' } } },
        { name: 'SCHEMA_REGISTRY_PASSWORD', valueFrom: { secretKeyRef: { name: 'registry-user', key: 'password' } } },
        { name: 'NODE_EXTRA_CA_CERTS', value: '/etc/hl7-router/kafka-ca/root.pem' },
      ]),
    );
    expect(container(router).volumeMounts).toEqual(
      expect.arrayContaining([{ name: 'kafka-ca', mountPath: '/etc/hl7-router/kafka-ca', readOnly: true }]),
    );
    expect(router.spec.template.spec.volumes).toEqual(expect.arrayContaining([{ name: 'kafka-ca', secret: { secretName: 'corp-ca' } }]));
    expect(routerConfigSchema.parse(environmentOf(manifests, router))).toMatchObject({
      KAFKA_SSL: true,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
    });

    const auth = find(manifests, 'TriggerAuthentication', 'hl7-hl7-router-kafka');
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'kafka-user', key: 'user' },
      { parameter: 'password', name: 'kafka-user', key: 'pass' },
      { parameter: 'ca', name: 'corp-ca', key: 'root.pem' },
    ]);
    for (const so of manifests.filter((m) => m.kind === 'ScaledObject')) {
      expect(so.spec.triggers[0].metadata).toMatchObject({ bootstrapServers: 'b-1:9096,b-2:9096', sasl: 'scram_sha512', tls: 'enable' });
      expect(so.spec.triggers[0].authenticationRef).toEqual({ name: 'hl7-hl7-router-kafka' });
    }
  });

  it('passes topic durability to every app: min.insync.replicas and dead-letter retention', () => {
    const manifests = render({ topics: { minInsyncReplicas: 3, deadLetterRetentionDays: 365 } });
    for (const [kind, name] of [
      ['Deployment', 'hl7-hl7-router-gateway'],
      ['StatefulSet', 'hl7-hl7-router-router'],
      ['Deployment', 'hl7-hl7-router-adapter-lab'],
    ] as const) {
      const env = environmentOf(manifests, find(manifests, kind, name));
      expect([name, env['TOPIC_MIN_INSYNC_REPLICAS'], env['DEAD_LETTER_RETENTION_MS']]).toEqual([name, '3', String(365 * 86400000)]);
    }
  });

  it('writes whole-number settings as the digits the apps parse (not 3.3554432e+07)', () => {
    const manifests = render({ gateway: { settings: { MLLP_MAX_FRAME_BYTES: 33554432, KAFKA_COALESCE_WRITES: false } } });
    const data = find(manifests, 'ConfigMap', 'hl7-hl7-router-gateway').data!;
    expect(data['MLLP_MAX_FRAME_BYTES']).toBe('33554432');
    expect(data['KAFKA_COALESCE_WRITES']).toBe('false');
    const env = environmentOf(manifests, find(manifests, 'Deployment', 'hl7-hl7-router-gateway'));
    expect(gatewayConfigSchema.parse(env)).toMatchObject({ MLLP_MAX_FRAME_BYTES: 33554432, KAFKA_COALESCE_WRITES: false });
  });

  it('runs the console when enabled: one replica, its index on a volume claim, OIDC from a Secret, the enabled adapters as targets, an Ingress', () => {
    expect(render().some((m) => m.metadata.name.endsWith('-console'))).toBe(false);
    expect(renderError({ console: { enabled: true } })).toMatch(/console.oidc.issuerUrl is required when console.enabled is true/);
    expect(renderError({ console: { enabled: true, oidc: { issuerUrl: 'http://login.example.org' } } })).toMatch(/issuerUrl/);
    const manifests = render({
      console: {
        enabled: true,
        oidc: {
          issuerUrl: 'https://login.example.org/realms/hospital',
          redirectUrl: 'https://console.example.org/auth/callback',
          existingSecret: 'hl7-console-oidc',
          rolesClaim: 'realm_access.roles',
          roleValues: 'phi=hl7-phi,auditor=privacy-office',
        },
        ingress: { enabled: true, className: 'nginx', host: 'console.example.org', tlsSecretName: 'console-tls' },
      },
      adapters: { radiology: { enabled: false } },
    });
    const console = find(manifests, 'StatefulSet', 'hl7-hl7-router-console');
    expect(console.spec.replicas).toBe(1);
    expect(console.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    expect(container(console).volumeMounts).toContainEqual({ name: 'index', mountPath: '/var/lib/hl7-console' });
    const secretRefs = container(console)
      .env.filter((e: any) => e.valueFrom?.secretKeyRef)
      .map((e: any) => `${e.name}=${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    expect(secretRefs).toEqual(
      expect.arrayContaining(['OIDC_CLIENT_SECRET=hl7-console-oidc/client-secret', 'SESSION_SECRET=hl7-console-oidc/session-secret']),
    );
    const env = environmentOf(manifests, console);
    expect(env['APP']).toBe('console');
    const config = consoleConfigSchema.parse(env);
    expect(config).toMatchObject({
      CONSOLE_AUTH: 'oidc',
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: 9480,
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      cookieSecure: true,
    });
    expect(config.roleValues).toMatchObject({ phi: 'hl7-phi', auditor: 'privacy-office', viewer: 'viewer' });
    expect(config.targets).toEqual([
      {
        name: 'lab',
        routeTopic: 'hl7.route.lab.v1',
        deadLetterTopic: 'hl7.dlq.lab.v1',
        sentTopic: 'hl7.sent.lab.v1',
        groupId: 'hl7-adapter-lab',
      },
    ]);
    expect(config.GATEWAY_MLLP_URL).toEqual({ host: 'hl7-hl7-router-gateway', port: 2575, tls: false });
    expect(config.APP_URLS).toEqual({
      gateway: 'http://hl7-hl7-router-gateway-metrics:9464',
      router: 'http://hl7-hl7-router-router-metrics:9465',
      'adapter-lab': 'http://hl7-hl7-router-adapter-lab-metrics:9470',
    });
    const ingress = find(manifests, 'Ingress', 'hl7-hl7-router-console');
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['console.example.org'], secretName: 'console-tls' }],
      rules: [
        {
          host: 'console.example.org',
          http: { paths: [{ backend: { service: { name: 'hl7-hl7-router-console', port: { name: 'http' } } } }] },
        },
      ],
    });
    expect(find(manifests, 'Service', 'hl7-hl7-router-console').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(find(manifests, 'Service', 'hl7-hl7-router-console-metrics').spec.ports[0].port).toBe(9480);
  });

  it('runs several console replicas on a shared PostgreSQL index (URL from a Secret), and refuses several on SQLite', () => {
    const oidc = { issuerUrl: 'https://login.example.org', redirectUrl: 'https://c.example.org/auth/callback', existingSecret: 'o' };
    expect(renderError({ console: { enabled: true, oidc, replicaCount: 2 } })).toMatch(
      /console.replicaCount above 1 needs console.indexDatabase/,
    );
    const manifests = render({ console: { enabled: true, oidc, replicaCount: 2, indexDatabase: { existingSecret: 'hl7-console-db' } } });
    const console = find(manifests, 'StatefulSet', 'hl7-hl7-router-console');
    expect(console.spec.replicas).toBe(2);
    expect(console.spec.volumeClaimTemplates).toBeUndefined();
    expect(container(console).env).toContainEqual({
      name: 'INDEX_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'hl7-console-db', key: 'url' } },
    });
    const config = consoleConfigSchema.parse({
      ...environmentOf(manifests, console),
      INDEX_DATABASE_URL: 'postgres://console@db:5432/hl7',
    });
    expect(config.INDEX_DATABASE_URL).toBe('postgres://console@db:5432/hl7');
  });

  it('a new adapter needs only its target; false and 0 in its entry win over adapterDefaults', () => {
    const manifests = render({
      adapters: {
        pharmacy: { target: 'mllp://pharmacy:7000', autoscaling: { enabled: false }, replicaCount: 2 },
        radiology: { enabled: false },
      },
    });
    const pharmacy = find(manifests, 'Deployment', 'hl7-hl7-router-adapter-pharmacy');
    expect(pharmacy.spec.replicas).toBe(2);
    expect(manifests.some((m) => m.kind === 'ScaledObject' && m.metadata.name.endsWith('pharmacy'))).toBe(false);
    expect(manifests.some((m) => m.metadata.name.endsWith('adapter-radiology'))).toBe(false);
    const env = environmentOf(manifests, pharmacy);
    expect(env).toMatchObject({
      APP: 'adapter-pharmacy',
      ADAPTER_PHARMACY_TARGET: 'mllp://pharmacy:7000',
      SOURCE_TOPIC: 'hl7.route.pharmacy.v1',
    });
    expect(container(pharmacy).resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });
});

describe('Helm chart, the full example (ci/production-values.yaml)', () => {
  let manifests: Manifest[];
  beforeAll(() => {
    manifests = render({}, ['--values', productionValues]);
  });

  it('serves MLLP over mutual TLS from the Secret, behind an internal NLB', () => {
    const gateway = find(manifests, 'Deployment', 'hl7-hl7-router-gateway');
    const config = gatewayConfigSchema.parse(environmentOf(manifests, gateway));
    expect(config).toMatchObject({
      MLLP_TLS_CERT_FILE: '/etc/hl7-router/mllp-tls/tls.crt',
      MLLP_TLS_KEY_FILE: '/etc/hl7-router/mllp-tls/tls.key',
      MLLP_TLS_CA_FILE: '/etc/hl7-router/mllp-tls/ca.crt',
      MLLP_TLS_REQUIRE_CLIENT_CERT: true,
      MLLP_TLS_ALLOWED_CLIENTS: ['CN=epic-bridge', 'DNS:interfaces.hospital.example'],
      MLLP_MAX_FRAME_BYTES: 18874368,
    });
    expect(gateway.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([{ name: 'mllp-tls', secret: { secretName: 'hl7-gateway-tls' } }]),
    );
    const service = find(manifests, 'Service', 'hl7-hl7-router-gateway') as Manifest & {
      metadata: { annotations: Record<string, string> };
    };
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', externalTrafficPolicy: 'Local' });
    expect(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
  });

  it('limits traffic with one NetworkPolicy per app: MLLP from the engines, metrics from monitoring, egress to what each needs', () => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(
      ['adapter-billing', 'adapter-lab', 'adapter-radiology', 'console', 'gateway', 'router'].map((c) => `hl7-hl7-router-${c}`),
    );
    const spec = (name: string) => find(manifests, 'NetworkPolicy', `hl7-hl7-router-${name}`).spec as Record<string, any>;
    expect(spec('gateway').ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'http', protocol: 'TCP' }],
      },
      { from: [{ ipBlock: { cidr: '10.20.30.0/24' } }], ports: [{ port: 'mllp', protocol: 'TCP' }] },
    ]);
    expect(spec('router').ingress).toHaveLength(1);
    expect(spec('router').egress).toEqual(
      expect.arrayContaining([
        { to: [{ ipBlock: { cidr: '10.40.0.0/16' } }], ports: [{ port: 9096, protocol: 'TCP' }] },
        expect.objectContaining({
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        }),
      ]),
    );
    expect(spec('adapter-lab').egress).toContainEqual({
      to: [{ ipBlock: { cidr: '10.50.1.20/32' } }],
      ports: [{ port: 6661, protocol: 'TCP' }],
    });
    // No peer list: any address, on the target's port only.
    expect(spec('adapter-radiology').egress).toContainEqual({ ports: [{ port: 6662, protocol: 'TCP' }] });
    expect(spec('router').egress.some((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === 6661))).toBe(false);
    // The console: users through the ingress controller, and out to the identity provider (HTTPS).
    expect(spec('console').ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ port: 'http', protocol: 'TCP' }],
    });
    expect(spec('console').egress).toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
    expect(spec('gateway').egress).not.toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
  });

  it('runs the email adapter too: its target and sender reach it, and its NetworkPolicy opens the SMTP port or HTTPS for SES', () => {
    const withNotify = (target: string) =>
      render({ adapters: { notify: { target, settings: { MAIL_FROM: 'notify@genhosp.example.org' } } } }, ['--values', productionValues]);
    const ses = withNotify('ses://eu-west-1');
    const env = environmentOf(ses, find(ses, 'Deployment', 'hl7-hl7-router-adapter-notify'));
    expect(env['APP']).toBe('adapter-notify');
    expect(adapterConfigSchema({ name: 'notify', sourceTopic: 'x', output: 'email' }).parse(env)).toMatchObject({
      target: { kind: 'ses', region: 'eu-west-1' },
      MAIL_FROM: 'notify@genhosp.example.org',
    });
    const egress = (manifests: Manifest[]) =>
      (find(manifests, 'NetworkPolicy', 'hl7-hl7-router-adapter-notify').spec as { egress: unknown[] }).egress;
    expect(egress(ses)).toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
    expect(egress(withNotify('smtp://relay.hospital.internal:587'))).toContainEqual({ ports: [{ port: 587, protocol: 'TCP' }] });
  });

  it("runs the hospital's own billing adapter from its image, scaled to zero while idle", () => {
    const billing = find(manifests, 'Deployment', 'hl7-hl7-router-adapter-billing');
    expect(container(billing).image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/hl7-router-hospital-adapters:2026.11.1');
    expect(environmentOf(manifests, billing)['APP']).toBe('adapter-billing');
    expect(find(manifests, 'ScaledObject', 'hl7-hl7-router-adapter-billing').spec).toMatchObject({
      minReplicaCount: 0,
      maxReplicaCount: 4,
    });
    const lab = environmentOf(manifests, find(manifests, 'Deployment', 'hl7-hl7-router-adapter-lab'));
    expect(adapterConfigSchema({ name: 'lab', sourceTopic: 'x' }).parse(lab)).toMatchObject({
      target: { host: 'lis.hospital.internal', port: 6661, tls: true },
      TARGET_TLS_CERT_FILE: '/etc/hl7-router/target-tls/tls.crt',
      CONNECTIONS: 16,
      HOLD_ON_FAILURE: true,
    });
  });

  it('scrapes every app with one ServiceMonitor over the metrics Services', () => {
    const monitor = find(manifests, 'ServiceMonitor', 'hl7-hl7-router');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
    const selected = manifests.filter(
      (m) =>
        m.kind === 'Service' && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => (m.metadata as any).labels[k] === v),
    );
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(
      ['adapter-billing', 'adapter-lab', 'adapter-radiology', 'console', 'gateway', 'router'].map((c) => `hl7-hl7-router-${c}-metrics`),
    );
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
  const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8'));
  const resolve = (node: any): any => (node?.$ref ? resolve(schema.$defs[node.$ref.replace('#/$defs/', '')]) : node);

  it('describes every value of values.yaml', () => {
    const undocumented: string[] = [];
    const walk = (value: unknown, node: any, path: string) => {
      node = resolve(node);
      if (!node) return void undocumented.push(path);
      if (value && typeof value === 'object' && !Array.isArray(value) && node.properties) {
        for (const [key, child] of Object.entries(value)) {
          const childSchema =
            node.properties[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
          if (!childSchema?.description && !childSchema?.allOf) undocumented.push(`${path}.${key}`);
          walk(child, childSchema?.allOf ? childSchema.allOf[0] : childSchema, `${path}.${key}`);
        }
      }
    };
    walk(values, schema, '');
    expect(undocumented).toEqual([]);
  });

  const withConsole = {
    console: {
      enabled: true,
      oidc: { issuerUrl: 'https://login.example.org', redirectUrl: 'https://c.example.org/auth/callback', existingSecret: 's' },
    },
  };
  it.each([
    ['gateway', gatewayConfigSchema, schema.properties.gateway, {}],
    ['router', routerConfigSchema, schema.properties.router, {}],
    ['adapters', adapterConfigSchema({ name: 'x', sourceTopic: 't' }), schema.$defs.adapter, {}],
    ['console', consoleConfigSchema, schema.properties.console, withConsole],
  ])("%s.settings offers exactly the app's settings the chart does not set itself", (component, zodSchema, node, values) => {
    const rendered = render(values);
    const workloadName = `hl7-hl7-router-${component === 'adapters' ? 'adapter-lab' : component}`;
    const workload = rendered.find((m) => (m.kind === 'Deployment' || m.kind === 'StatefulSet') && m.metadata.name === workloadName)!;
    const managed = new Set(Object.keys(environmentOf(rendered, workload)));
    managed.add('TARGET_TLS_CA_FILE').add('TARGET_TLS_CERT_FILE').add('TARGET_TLS_KEY_FILE').add('TARGET_TLS_SERVERNAME');
    managed.add('MLLP_TLS_KEY_FILE').add('MLLP_TLS_CERT_FILE').add('MLLP_TLS_CA_FILE').add('MLLP_TLS_REQUIRE_CLIENT_CERT');
    managed.add('MLLP_TLS_ALLOWED_CLIENTS');
    // from topics.minInsyncReplicas (rendered only when set)
    managed.add('TOPIC_MIN_INSYNC_REPLICAS');
    // clear-text passwords are for a local test setup, never offered in a cluster
    managed.add('ALLOW_PLAINTEXT_CREDENTIALS');
    managed.add('KAFKA_SASL_MECHANISM').add('KAFKA_SASL_USERNAME').add('KAFKA_SASL_PASSWORD');
    managed.add('SCHEMA_REGISTRY_USERNAME').add('SCHEMA_REGISTRY_PASSWORD');
    // a test-only fault injection, never offered
    managed.add('FAULT_KILL_AFTER_BATCHES');
    // the console signs in with OIDC in a cluster (dev sign-in is loopback-only); its cookie is always Secure there
    managed.add('SESSION_COOKIE_SECURE');
    // from console.oidc.roleValues and console.indexDatabase (rendered only when set)
    managed.add('OIDC_ROLE_VALUES').add('INDEX_DATABASE_URL');
    // set from the gateway's Service without MLLP TLS; offered in settings for a gateway with it
    managed.delete('GATEWAY_MLLP_URL');
    const appKeys = settingNames(zodSchema as z.ZodType).filter((k) => k !== 'ADAPTER_X_TARGET' && !managed.has(k));
    expect(Object.keys(node.properties.settings.properties).sort()).toEqual(appKeys.sort());
  });
});

describe('the chart README values table (scripts/helm-docs.mjs)', () => {
  const check = (readme: string) =>
    spawnSync(process.execPath, ['scripts/helm-docs.mjs', '--check', '--readme', readme], { cwd: root, encoding: 'utf8' });

  it('is what values.schema.json and values.yaml give, and a stale one is caught', () => {
    const readme = join(chart, 'README.md');
    expect(check(readme).status).toBe(0);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('| `router.autoscaling.lagThreshold` | integer | `1000` |');
    const stale = helm.file(
      'README.md',
      text.replace('| `router.autoscaling.lagThreshold` | integer | `1000` |', '| `router.autoscaling.lagThreshold` | integer | `500` |'),
    );
    const result = check(stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('run npm run helm:docs');
  });
});

describe('the manifest validator (scripts/helm/validate-manifests.py)', () => {
  it('passes the rendered chart and fails a misspelt field, a wrong type and an unknown KEDA parameter', () => {
    const pythonpath = helmTool('hl7r_ensure_kubernetes_validate');
    const schemaArgs = helmTool('hl7r_validator_schemas').split('\n');
    const rendered = helm.renderText(['--values', productionValues]);
    const good = helm.file('good.yaml', rendered);
    const bad = helm.file(
      'bad.yaml',
      rendered
        .replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesytem: true')
        .replace('minReplicaCount: 0', 'minReplicaCount: "none"')
        .replace(/lagThreshold: "500"/, 'lagTreshold: "500"'),
    );
    const run = (file: string) =>
      spawnSync('python3', ['scripts/helm/validate-manifests.py', '--kube-version', '1.30.0', ...schemaArgs, file], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: pythonpath },
      });
    const passed = run(good);
    expect(passed.stdout).toMatch(/(\d+) of \1 resources valid/);
    expect(passed.status).toBe(0);
    const failed = run(bad);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("'readOnlyRootFilesytem' was unexpected");
    expect(failed.stdout).toMatch(/ScaledObject\/hl7-hl7-router-adapter-billing: spec.minReplicaCount: 'none' is not of type 'integer'/);
    expect(failed.stdout).toContain("KEDA's kafka scaler has no parameter lagTreshold");
  }, 120_000);
});
