// The chart's alerts and dashboard, as a cluster would get them: the PrometheusRule rendered by the real helm, checked
// and unit-tested by the real promtool (built from Prometheus' Go module); every metric the alerts and the dashboard
// query is one the apps export; every runbook link has its section in docs/operations.md.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { AdapterMetrics } from '../libs/adapter-sdk/src/runtime/adapter-metrics.js';
import { HttpEndpoints } from '../libs/platform/src/http/http-endpoints.js';
import { GatewayMetrics } from '../apps/mllp-gateway/src/observability/gateway-metrics.js';
import { RouterMetrics } from '../apps/router/src/observability/router-metrics.js';
import { HelmChart, type Manifest, helmTool, repoRoot } from '../test/support/helm-chart.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped data */
let helm: HelmChart;
let promtool: string;
let manifests: Manifest[];

beforeAll(() => {
  helm = HelmChart.load();
  promtool = helmTool('hl7r_ensure_promtool');
  manifests = helm.render({ metrics: { prometheusRule: { enabled: true }, dashboard: { enabled: true } } });
}, 900_000);

const rule = () => manifests.find((m) => m.kind === 'PrometheusRule')!;
const expressions = (): string[] => rule().spec.groups.flatMap((g: any) => g.rules.map((r: any) => String(r.expr)));
const dashboard = () =>
  JSON.parse(manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'))!.data!['hl7-router.json']!);
const dashboardExpressions = (): string[] => dashboard().panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => String(t.expr)));

/** Every metric the apps export (their registries, as /metrics serves them), plus Prometheus' own `up`. */
async function exportedMetrics(): Promise<Set<string>> {
  const names = new Set<string>(['up']);
  const adapter = new AdapterMetrics();
  adapter.watchLag(() => Promise.resolve(0));
  const withReady = new Registry();
  new HttpEndpoints({ port: 0, registry: withReady, ready: () => Promise.resolve(true) });
  for (const registry of [new GatewayMetrics().registry, new RouterMetrics(() => Promise.resolve(0)).registry, adapter.registry, withReady])
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  return names;
}

/** The metric names a PromQL expression reads (identifiers followed by a selector or a range). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*[{[]/g)]
    .map((m) => m[1]!)
    .filter((n) => !['by', 'on', 'without', 'ignoring'].includes(n));
}

describe('alerts (PrometheusRule)', () => {
  it('renders only when enabled', () => {
    expect(helm.render().some((m) => m.kind === 'PrometheusRule' || m.metadata.name.endsWith('-dashboard'))).toBe(false);
    expect(rule().metadata.name).toBe('hl7-hl7-router');
  });

  it('passes promtool check rules and every promtool unit test (deploy/prometheus/alert-rules.test.yaml)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl7-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule().spec.groups }));
    copyFileSync(join(repoRoot, 'deploy/prometheus/alert-rules.test.yaml'), join(dir, 'alert-rules.test.yaml'));
    const check = spawnSync(promtool, ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    expect(check.stderr + check.stdout).toMatch(/SUCCESS: 7 rules found/);
    expect(check.status).toBe(0);
    const test = spawnSync(promtool, ['test', 'rules', join(dir, 'alert-rules.test.yaml')], { encoding: 'utf8', cwd: dir });
    expect(test.stdout + test.stderr).toMatch(/SUCCESS/);
    expect(test.status).toBe(0);
  });

  it('tests every alert it ships, firing and silent', () => {
    const tests = readFileSync(join(repoRoot, 'deploy/prometheus/alert-rules.test.yaml'), 'utf8');
    for (const alert of rule().spec.groups.flatMap((g: any) => g.rules.map((r: any) => String(r.alert)))) {
      expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts: \\[\\]`));
      expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n`));
    }
  });

  it('queries only metrics the apps export, and each runbook link has its section', async () => {
    const exported = await exportedMetrics();
    const read = expressions().flatMap(metricsIn);
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((name) => !exported.has(name))).toEqual([]);
    const docs = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    for (const r of rule().spec.groups.flatMap((g: any) => g.rules)) {
      const anchor = String(r.annotations.runbook).split('#')[1]!;
      expect(docs).toMatch(new RegExp(`^### ${r.alert}$`, 'm'));
      expect(anchor).toBe(String(r.alert).toLowerCase());
    }
  });

  it('takes its thresholds from the values', () => {
    const custom = helm.render({
      metrics: { prometheusRule: { enabled: true, undeliveredMinutes: 5, silentFeedMinutes: 60, feedHoursUtc: { from: 7, to: 19 } } },
    });
    const exprs = custom
      .find((m) => m.kind === 'PrometheusRule')!
      .spec.groups[0].rules.map((r: any) => String(r.expr))
      .join('\n');
    expect(exprs).toContain('hl7_adapter_oldest_in_flight_age_seconds{job=~"hl7-hl7-router-.*-metrics"}) > 300');
    expect(exprs).toContain('[60m])) == 0');
    expect(exprs).toContain('hour() >= 7 < 19');
  });
});

describe('Grafana dashboard (ConfigMap)', () => {
  it("carries the sidecar's label and a dashboard whose every query reads exported metrics", async () => {
    const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'))!;
    expect(configMap.metadata.labels?.['grafana_dashboard']).toBe('1');
    const board = dashboard();
    expect(board.uid).toBe('hl7-router');
    const exported = await exportedMetrics();
    const read = dashboardExpressions().flatMap(metricsIn);
    expect(read.length).toBeGreaterThan(15);
    expect(read.filter((name) => !exported.has(name))).toEqual([]);
    // The panels' grid positions do not overlap (a dashboard Grafana lays out as written).
    const cells = new Set<string>();
    for (const panel of board.panels)
      for (let x = panel.gridPos.x; x < panel.gridPos.x + panel.gridPos.w; x += 1)
        for (let y = panel.gridPos.y; y < panel.gridPos.y + panel.gridPos.h; y += 1) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
  });
});
