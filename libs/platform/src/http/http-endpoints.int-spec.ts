// The health and metrics endpoints on a real socket: readiness is answered on /health/ready and exported as hl7_ready.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { HttpEndpoints } from './http-endpoints.js';

const open: HttpEndpoints[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

describe('HttpEndpoints', () => {
  it('answers /health/ready and exports hl7_ready from the same check, at each scrape', async () => {
    let ready = false;
    const endpoints = new HttpEndpoints({ port: 0, host: '127.0.0.1', registry: new Registry(), ready: () => Promise.resolve(ready) });
    open.push(endpoints);
    const port = await endpoints.listen();
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    const readyGauge = async () => /^hl7_ready (\d)$/m.exec(await (await get('/metrics')).text())?.[1];

    expect((await get('/health/ready')).status).toBe(503);
    expect(await readyGauge()).toBe('0');
    ready = true;
    expect((await get('/health/ready')).status).toBe(200);
    expect(await readyGauge()).toBe('1');
    expect((await get('/health/live')).status).toBe(200);
  });

  it('exports 0 when the readiness check itself fails', async () => {
    const endpoints = new HttpEndpoints({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      ready: () => Promise.reject(new Error('x')),
    });
    open.push(endpoints);
    const port = await endpoints.listen();
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/^hl7_ready 0$/m);
  });
});
