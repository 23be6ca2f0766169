import { describe, expect, it } from '@jest/globals';
import { startTracing, tracingSettings } from './start-tracing.js';

describe('tracingSettings', () => {
  it.each<[string, NodeJS.ProcessEnv, boolean]>([
    ['nothing set: off (the default)', {}, false],
    ['an OTLP endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    ['a traces endpoint', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    ['an exporter', { OTEL_TRACES_EXPORTER: 'console' }, true],
    ['exporter none, even with an endpoint', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    ['the SDK disabled', { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    ['the SDK not disabled', { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true],
  ])('%s', (_name, env, enabled) => {
    expect(tracingSettings(env)).toEqual({ enabled, problems: [] });
  });

  it('lists every malformed setting, each by name, and stays off', () => {
    expect(
      tracingSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318 ',
        OTEL_TRACES_EXPORTER: 'otlp,jaeger',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http',
        OTEL_SDK_DISABLED: 'no',
      }),
    ).toEqual({
      enabled: false,
      problems: [
        'OTEL_EXPORTER_OTLP_ENDPOINT: not an http(s) URL',
        'OTEL_TRACES_EXPORTER: unknown exporter "jaeger" (otlp, console, none)',
        'OTEL_EXPORTER_OTLP_PROTOCOL: "http" is not one of http/protobuf, http/json, grpc',
        'OTEL_SDK_DISABLED: true or false',
      ],
    });
  });

  it('starts nothing while off', async () => {
    const tracing = await startTracing('router', {});
    expect(tracing.enabled).toBe(false);
    await expect(tracing.flush()).resolves.toBeUndefined();
  });
});
