// The gateway across a restart (the duplicate window survives it) and across a certificate rotation (new
// certificate served without a restart).
import { randomBytes, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from '@jest/globals';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { MllpClient } from '@lib/mllp';
import { writeTestPki } from '@lib/mllp/testing';
import { createKafkaClient, TopicSettingsError } from '@lib/kafka';
import { eventually, readTopic, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { startTestGateway } from './testing/start-test-gateway.js';

const env = testKafkaEnv();
const adt = (controlId: string, mrn: string) =>
  Buffer.from(
    `MSH|^~\\&|EPIC|HOSP|HL7ROUTER|HUB|20240102030405||ADT^A08^ADT_A01|${controlId}|P|2.5.1\rEVN|A08\rPID|1||${mrn}^^^H^MR||DOE^JANE\r`,
    'latin1',
  );

describe('gateway restart and certificate rotation', () => {
  it('answers a resend after a restart with the original ACK, from the dedup topic', async () => {
    const topics = {
      ADT_TOPIC: uniqueName('restart-adt'),
      DEDUP_TOPIC: uniqueName('restart-dedup'),
      QUARANTINE_TOPIC: uniqueName('restart-q'),
    };
    const first = await startTestGateway(env, topics);
    const client1 = new MllpClient({ host: '127.0.0.1', port: first.gateway.mllpPort });
    const message = adt('RESTART-1', 'MRN-RST');
    const original = await client1.send(message);
    await client1.close();
    // The dedup entry is written off the ACK path: wait until it is on the topic before stopping.
    const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'restart-spec' });
    await readTopic(kafka, topics.DEDUP_TOPIC, { until: (r) => r.length >= 1 });
    await first.gateway.stop(5000);

    const second = await startTestGateway(env, topics);
    try {
      const client2 = new MllpClient({ host: '127.0.0.1', port: second.gateway.mllpPort });
      const replayed = await client2.send(message);
      await client2.close();
      expect(replayed.equals(original)).toBe(true);
      const marker = new MllpClient({ host: '127.0.0.1', port: second.gateway.mllpPort });
      await marker.send(adt('RESTART-MARK', 'MRN-RST'));
      await marker.close();
      const records = await readTopic(kafka, topics.ADT_TOPIC, { until: (r) => r.length >= 2 });
      expect(records.map((r) => r.headers['hl7.control-id']?.toString())).toEqual(['RESTART-1', 'RESTART-MARK']);
    } finally {
      await second.gateway.stop(5000);
    }
  });

  it('refuses to start on a pre-created ADT topic too small for its frames, naming the topic and setting', async () => {
    const topics = { ADT_TOPIC: uniqueName('small-adt'), DEDUP_TOPIC: uniqueName('small-dedup'), QUARANTINE_TOPIC: uniqueName('small-q') };
    const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'small-topic-spec' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // As `kafka-topics --create` leaves it: the broker's 1 MiB default.
      await admin.ensureTopics([{ name: topics.ADT_TOPIC, partitions: 6, config: { 'max.message.bytes': '1048588' } }]);
    } finally {
      await admin.disconnect();
    }
    const started = startTestGateway(env, topics);
    await expect(started).rejects.toBeInstanceOf(TopicSettingsError);
    await expect(started).rejects.toMatchObject({
      problems: [expect.stringMatching(new RegExp(`^${topics.ADT_TOPIC}: max.message.bytes is 1048588, needs >= `))],
    });
  });

  it('answers AR and quarantines a message the broker refuses for good (topic max.message.bytes lowered at run time)', async () => {
    const topics = {
      ADT_TOPIC: uniqueName('refused-adt'),
      DEDUP_TOPIC: uniqueName('refused-dedup'),
      QUARANTINE_TOPIC: uniqueName('refused-q'),
    };
    const { gateway } = await startTestGateway(env, topics);
    const admin = new Kafka({ brokers: env.brokers, clientId: 'refused-spec', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const client = new MllpClient({ host: '127.0.0.1', port: gateway.mllpPort });
    try {
      // Someone lowers the topic's limit behind the gateway's back (its start-up check has passed).
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topics.ADT_TOPIC, configEntries: [{ name: 'max.message.bytes', value: '4000' }] },
        ],
      });
      // The broker applies a topic's new config asynchronously (from its metadata log): wait until it refuses a
      // large record itself, so the gateway's send below meets the lowered limit (CI once raced it).
      const probe = new Kafka({ brokers: env.brokers, clientId: 'refused-probe', logLevel: logLevel.NOTHING }).producer();
      await probe.connect();
      try {
        await eventually(
          async () => {
            try {
              await probe.send({ topic: topics.ADT_TOPIC, acks: -1, messages: [{ key: 'probe', value: randomBytes(8000) }] });
              return undefined;
            } catch (error) {
              return (error as { type?: string }).type === 'MESSAGE_TOO_LARGE' ? true : undefined;
            }
          },
          15000,
          'the broker refusing an 8 KB record on the lowered topic',
        );
      } finally {
        await probe.disconnect();
      }
      const large = Buffer.concat([adt('REFUSED-BIG', 'MRN-BIG'), Buffer.from(`NTE|1||${'x'.repeat(8000)}\r`, 'latin1')]);
      const refused = (await client.send(large)).toString('latin1');
      expect(refused).toMatch(/\rMSA\|AR\|REFUSED-BIG\|kafka refused the message \(MESSAGE_TOO_LARGE\)/);
      expect(refused).toMatch(/\rERR\|\|\|207\^/);
      expect((await client.send(adt('REFUSED-SMALL', 'MRN-SMALL'))).toString('latin1')).toMatch(/\rMSA\|AA\|REFUSED-SMALL/);
      const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'refused-spec' });
      const quarantined = await readTopic(kafka, topics.QUARANTINE_TOPIC, { until: (r) => r.length >= 1 });
      expect(quarantined[0]!.value!.equals(large)).toBe(true);
      expect(quarantined[0]!.headers['hl7.error.code']?.toString()).toBe('207');
      // The quarantine waits for someone to look at it: kept 90 days, not the broker's 7, and acks=all means >= 1 replica here.
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topics.QUARANTINE_TOPIC }],
      });
      const config = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(config['retention.ms']).toBe(String(90 * 24 * 3600 * 1000));
      expect(config['min.insync.replicas']).toBe('1');
    } finally {
      await client.close();
      await admin.disconnect();
      await gateway.stop(5000);
    }
  });

  it('serves a rotated certificate to new connections without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    const [one, two] = [await writeTestPki(dir, 'one'), await writeTestPki(dir, 'two')];
    const live = { key: join(dir, 'live-key.pem'), cert: join(dir, 'live-cert.pem') };
    copyFileSync(one.keyFile, live.key);
    copyFileSync(one.certFile, live.cert);
    const started = await startTestGateway(env, {
      MLLP_TLS_KEY_FILE: live.key,
      MLLP_TLS_CERT_FILE: live.cert,
      MLLP_TLS_RELOAD_INTERVAL_MS: '100',
    });
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: started.gateway.mllpPort, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()!.fingerprint256);
          socket.destroy();
        });
        socket.on('error', reject);
      });
    try {
      const client = new MllpClient({ host: '127.0.0.1', port: started.gateway.mllpPort, tls: { ca: one.ca } });
      expect((await client.send(adt('TLS-1', 'MRN-TLS'))).toString('latin1')).toContain('MSA|AA|TLS-1');
      await client.close();
      expect(await served()).toBe(new X509Certificate(readFileSync(one.certFile, 'utf8')).fingerprint256);

      copyFileSync(two.keyFile, live.key);
      copyFileSync(two.certFile, live.cert);
      const rotated = new X509Certificate(readFileSync(two.certFile, 'utf8')).fingerprint256;
      await eventually(async () => ((await served()) === rotated ? true : undefined), 10000, 'the rotated certificate');
      const after = new MllpClient({ host: '127.0.0.1', port: started.gateway.mllpPort, tls: { ca: two.ca } });
      expect((await after.send(adt('TLS-2', 'MRN-TLS'))).toString('latin1')).toContain('MSA|AA|TLS-2');
      await after.close();
    } finally {
      await started.gateway.stop(5000);
    }
  });
});
