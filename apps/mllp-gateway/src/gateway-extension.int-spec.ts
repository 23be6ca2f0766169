// An integrator's handler for another message type, added to the real gateway the Nest way: SIU frames go to it,
// everything else still goes through the intake to Kafka (real sockets, real broker).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildAck, parseMessage, readHeader } from '@lib/hl7';
import { MllpClient } from '@lib/mllp';
import { MllpContext } from '@lib/mllp/nest';
import { createKafkaClient, type IncomingRecord } from '@lib/kafka';
import { testKafkaEnv, TopicCollector } from '@lib/kafka/testing';
import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { type TestGateway, startTestGateway } from './testing/start-test-gateway.js';

const env = testKafkaEnv();
const text = (b: Buffer) => b.toString('latin1');
const message = (type: string, id: string) =>
  Buffer.from(`MSH|^~\\&|EPIC|HOSP|HL7ROUTER|HUB|20240102030405||${type}|${id}|P|2.5.1\rPID|1||MRN-7^^^HOSP^MR||DOE^JANE\r`, 'latin1');

const scheduled: string[] = [];

/** What an integrator writes: a controller for SIU, injecting what the gateway module provides. */
@Controller()
class SchedulingController {
  constructor(@Inject(GatewayMetrics) private readonly metrics: GatewayMetrics) {}

  @MessagePattern('SIU')
  schedule(@Payload() frame: Buffer, @Ctx() context: MllpContext): Buffer {
    const header = readHeader(parseMessage(text(frame)));
    scheduled.push(`${context.getPattern()}:${header.controlId}:${this.metrics instanceof GatewayMetrics}`);
    return Buffer.from(buildAck({ header, outcome: 'accept', controlId: `SCHED-${header.controlId}`, now: new Date() }), 'latin1');
  }
}

let started: TestGateway;
let client: MllpClient;
let collector: TopicCollector;

beforeAll(async () => {
  started = await startTestGateway(env, {}, { controllers: [SchedulingController] });
  collector = await TopicCollector.start(createKafkaClient({ brokers: env.brokers, clientId: 'gw-ext-spec' }), [started.topics.adt]);
  client = new MllpClient({ host: '127.0.0.1', port: started.gateway.mllpPort });
});

afterAll(async () => {
  await client?.close();
  await collector?.close();
  await started?.gateway.stop(5000);
});

describe('gateway extensions', () => {
  it('sends SIU frames to the added handler and everything else through the intake to Kafka', async () => {
    const siu = await client.send(message('SIU^S12', 'EXT-SIU-1'));
    expect(text(siu)).toContain('MSA|AA|EXT-SIU-1');
    expect(scheduled).toEqual(['SIU:EXT-SIU-1:true']);

    const adt = await client.send(message('ADT^A01', 'EXT-ADT-1'));
    expect(text(adt)).toContain('MSA|AA|EXT-ADT-1');
    const records = await collector.waitFor(started.topics.adt, (rs: readonly IncomingRecord[]) => rs.length >= 1);
    expect(records.map((r) => r.headers['hl7.control-id']?.toString())).toEqual(['EXT-ADT-1']);
    expect(scheduled).toHaveLength(1);
  });
});
