// Rendering helm/hl7-router with a real helm (built by scripts/lib/helm-tools.sh, as in CI) and reading the result
// as data, for deploy/helm-chart.spec.ts and the e2e test that runs the rendered pods' containers on this machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

import { projectTool, repoRoot } from './project-tool.js';

export { repoRoot };
export const chartDir = join(repoRoot, 'helm/hl7-router');

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped data, read field by field */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

/** Runs a function of scripts/lib/helm-tools.sh (e.g. hl7r_ensure_helm) and returns what it prints. */
export const helmTool = (fn: string): string => projectTool('helm-tools.sh', fn);

export class HelmChart {
  private readonly scratch = mkdtempSync(join(tmpdir(), 'hl7-helm-'));
  private count = 0;

  private constructor(readonly helm: string) {}

  /** Builds helm on first use (about two minutes), then reuses it from the project cache. */
  static load(): HelmChart {
    return new HelmChart(helmTool('hl7r_ensure_helm'));
  }

  /** helm template with `values` as a values file (numbers arrive as YAML numbers, as users write them). */
  render(values: Record<string, unknown> = {}, extraArgs: string[] = [], release = 'hl7'): Manifest[] {
    const out = execFileSync(
      this.helm,
      ['template', release, chartDir, '--namespace', 'hl7', '--values', this.valuesFile(values), ...extraArgs],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest)
      .filter(Boolean);
  }

  /** The rendered text, unparsed. */
  renderText(extraArgs: string[]): string {
    return execFileSync(this.helm, ['template', 'hl7', chartDir, ...extraArgs], { encoding: 'utf8' });
  }

  /** helm's refusal of these values (its exit status and stderr). */
  refuse(values: Record<string, unknown>): { status: number | null; stderr: string } {
    const result = spawnSync(this.helm, ['template', 'hl7', chartDir, '--values', this.valuesFile(values)], { encoding: 'utf8' });
    return { status: result.status, stderr: result.stderr };
  }

  file(name: string, text: string): string {
    const path = join(this.scratch, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  private valuesFile(values: Record<string, unknown>): string {
    return this.file(`values-${++this.count}.yaml`, stringify(values));
  }
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

export const container = (workload: Manifest) => workload.spec.template.spec.containers[0];

export interface PodRuntime {
  /** metadata.name of the pod (fieldRef). */
  podName?: string;
  /** Where a volume's files were written on this machine, by mountPath; env values under a mountPath are rewritten. */
  mounts?: Record<string, string>;
}

/**
 * The container's environment as the kubelet would give it: envFrom ConfigMaps, then env (values, Secret keys from
 * the rendered Secrets or a placeholder, fieldRefs), paths under mounted volumes rewritten to `runtime.mounts`.
 */
export function podEnvironment(manifests: Manifest[], workload: Manifest, runtime: PodRuntime = {}): Record<string, string> {
  const c = container(workload);
  const env: Record<string, string> = {};
  for (const ref of c.envFrom ?? []) Object.assign(env, find(manifests, 'ConfigMap', ref.configMapRef.name).data);
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretValue(manifests, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom?.fieldRef) env[e.name] = e.valueFrom.fieldRef.fieldPath === 'metadata.name' ? (runtime.podName ?? 'pod-0') : 'hl7';
  }
  for (const [mountPath, local] of Object.entries(runtime.mounts ?? {})) {
    for (const [name, value] of Object.entries(env))
      if (value.startsWith(`${mountPath}/`)) env[name] = local + value.slice(mountPath.length);
  }
  return env;
}

/** A key of a Secret the chart renders, decoded; for a Secret the user provides, a placeholder of 26 characters. */
function secretValue(manifests: Manifest[], name: string, key: string): string {
  const rendered = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === name);
  const data = rendered?.data?.[key];
  return data ? Buffer.from(data, 'base64').toString('utf8') : `secret:${name}/${key}-0123456789`;
}

/** Writes the ConfigMap volumes of a workload's pod into `dir` (mountPath -> local folder), as the kubelet mounts them. */
export function materializeConfigMapVolumes(manifests: Manifest[], workload: Manifest, dir: string): Record<string, string> {
  const volumes = new Map<string, any>(workload.spec.template.spec.volumes.map((v: any) => [v.name, v]));
  const mounts: Record<string, string> = {};
  for (const mount of container(workload).volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume?.configMap) continue;
    const local = join(dir, mount.name);
    mkdirSync(local, { recursive: true });
    const data = find(manifests, 'ConfigMap', volume.configMap.name).data ?? {};
    const items: { key: string; path: string }[] = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) writeFileSync(join(local, item.path), data[item.key] ?? '');
    mounts[mount.mountPath] = local;
  }
  return mounts;
}
