// The MLLP transport in a real Nest microservice, on real sockets: frames routed to handlers by MSH-9, the
// oversize and server-event patterns, the refusal to start without a catch-all, and the drain on close.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { MllpClient } from '../mllp-client.js';
import type { ServerEvent } from '../mllp-server.js';
import { until } from '../testing/index.js';
import { ANY_MESSAGE, MLLP_OVERSIZE, MLLP_SERVER_EVENT, MllpContext, MllpTransport, type OversizeFrame } from './index.js';

const msh = (type: string, id: string) => Buffer.from(`MSH|^~\\&|EHR|H|LAB|H|20260101||${type}|${id}|P|2.5\rPID|||1`, 'latin1');
const text = (b: Buffer) => b.toString('latin1');

const events: ServerEvent[] = [];
let slowRelease: (() => void) | undefined;

@Controller()
class CatchAll {
  @MessagePattern(ANY_MESSAGE)
  frame(@Payload() payload: Buffer, @Ctx() context: MllpContext): Buffer {
    return Buffer.from(`any:${context.getPattern()}:${context.getConnection()?.id}:${text(payload).split('|')[9]}`);
  }

  @MessagePattern(MLLP_OVERSIZE)
  oversize(@Payload() frame: OversizeFrame): Buffer {
    return Buffer.from(`too big:${frame.bytes}`);
  }

  @EventPattern(MLLP_SERVER_EVENT)
  event(@Payload() event: ServerEvent): void {
    events.push(event);
  }
}

@Controller()
class Specific {
  @MessagePattern('ADT^A01')
  async admit(@Payload() payload: Buffer): Promise<Buffer> {
    return Buffer.from(`admit:${text(payload).split('|')[9]}`);
  }

  @MessagePattern('ADT')
  otherAdt(@Payload() payload: Buffer): Buffer {
    return Buffer.from(`adt:${text(payload).split('|')[9]}`);
  }

  @MessagePattern('SIU')
  async slow(@Payload() payload: Buffer): Promise<Buffer> {
    await new Promise<void>((resolve) => (slowRelease = resolve));
    return Buffer.from(`slow:${text(payload).split('|')[9]}`);
  }

  @MessagePattern('QBP')
  nothing(): undefined {
    return undefined;
  }
}

@Module({ controllers: [CatchAll, Specific] })
class RoutingModule {}

@Module({ controllers: [Specific] })
class NoCatchAllModule {}

const apps: INestMicroservice[] = [];
const clients: MllpClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.allSettled(apps.splice(0).map((a) => a.close()));
  events.length = 0;
  slowRelease = undefined;
});

async function start(module: new () => unknown, maxFrameBytes = 64 * 1024) {
  const transport = new MllpTransport({ host: '127.0.0.1', port: 0, maxFrameBytes }, 2000);
  const app = await NestFactory.createMicroservice(module, { strategy: transport, logger: false, abortOnError: false });
  apps.push(app);
  await app.listen();
  const client = new MllpClient({ host: '127.0.0.1', port: transport.address().port, reconnect: { maxAttempts: 1 } });
  clients.push(client);
  return { app, transport, client };
}

describe('MllpTransport', () => {
  it('routes each frame to the most specific handler of its MSH-9, and the rest to ANY_MESSAGE', async () => {
    const { client } = await start(RoutingModule);
    expect(text(await client.send(msh('ADT^A01^ADT_A01', 'c1')))).toBe('admit:c1');
    expect(text(await client.send(msh('ADT^A08', 'c2')))).toBe('adt:c2');
    expect(text(await client.send(msh('ORU^R01', 'c3')))).toMatch(/^any:\*:\d+:c3$/);
    const batch = Buffer.concat([Buffer.from('BHS|^~\\&|EHR\r', 'latin1'), msh('ADT^A01', 'c4'), Buffer.from('\rBTS|1', 'latin1')]);
    expect(text(await client.send(batch))).toMatch(/^any:\*:\d+:/);
  });

  it('answers the frames of one connection in the order they were sent', async () => {
    const { client } = await start(RoutingModule);
    const replies = await Promise.all(['A01', 'A08', 'A03', 'A01', 'A08'].map((event, i) => client.send(msh(`ADT^${event}`, `o${i}`))));
    expect(replies.map(text)).toEqual(['admit:o0', 'adt:o1', 'adt:o2', 'admit:o3', 'adt:o4']);
  });

  it('sends the oversize handler the size reached, and tells the event handler about connections', async () => {
    const { client } = await start(RoutingModule, 1024);
    const reply = await client.send(Buffer.concat([msh('ADT^A01', 'big'), Buffer.alloc(4096, 0x41)]));
    expect(text(reply)).toMatch(/^too big:\d+$/);
    await until(() => events.some((e) => e.type === 'oversize'));
    expect(events.map((e) => e.type)).toContain('connection-opened');
  });

  it('sends no reply when the handler returns none', async () => {
    const { client } = await start(RoutingModule);
    await expect(client.send(msh('QBP^Q11', 'q'), 500)).rejects.toThrow();
  });

  it('refuses to listen without an ANY_MESSAGE handler, so no frame can go unanswered', async () => {
    const transport = new MllpTransport({ host: '127.0.0.1', port: 0 });
    const app = await NestFactory.createMicroservice(NoCatchAllModule, { strategy: transport, logger: false, abortOnError: false });
    apps.push(app);
    await expect(app.listen()).rejects.toThrow(/needs a @MessagePattern\('\*'\) handler/);
  });

  it('drains on close: a frame being handled is answered before the app is closed', async () => {
    const { app, client } = await start(RoutingModule);
    const reply = client.send(msh('SIU^S12', 's1'));
    await until(() => slowRelease !== undefined);
    const closed = app.close();
    setTimeout(() => slowRelease?.(), 100);
    expect(text(await reply)).toBe('slow:s1');
    await closed;
    apps.splice(apps.indexOf(app), 1);
  });
});
