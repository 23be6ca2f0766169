// Readiness probe for the local broker: sends a Kafka ApiVersions v0 request over TCP and prints the broker's
// version range for the APIs kafkajs 2.2.4 uses. Exit 0 when the broker answered with error_code 0.
// Dependency-free on purpose: it runs before `npm ci`.
import net from 'node:net';

const [host, portText] = (process.argv[2] ?? '127.0.0.1:9092').split(':');
const port = Number(portText);
const verbose = process.argv.includes('--print');
const API_NAMES = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  15: 'DescribeGroups',
  16: 'ListGroups',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  22: 'InitProducerId',
  24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn',
  26: 'EndTxn',
  28: 'TxnOffsetCommit',
  32: 'DescribeConfigs',
  33: 'AlterConfigs',
  42: 'DeleteGroups',
};

const clientId = Buffer.from('hl7r-probe');
const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
body.writeInt16BE(18, 0); // api_key ApiVersions
body.writeInt16BE(0, 2); // api_version 0: header v1, no tagged fields
body.writeInt32BE(7, 4); // correlation id
body.writeInt16BE(clientId.length, 8);
clientId.copy(body, 10);
const request = Buffer.concat([Buffer.alloc(4), body]);
request.writeInt32BE(body.length, 0);

const socket = net.connect({ host, port });
socket.setTimeout(3000, () => fail('timeout'));
socket.on('error', (err) => fail(err.code ?? err.message));
socket.on('connect', () => socket.write(request));
let received = Buffer.alloc(0);
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
  socket.destroy();
  const correlationId = received.readInt32BE(4);
  const errorCode = received.readInt16BE(8);
  if (correlationId !== 7 || errorCode !== 0) fail(`bad response: correlation ${correlationId}, error ${errorCode}`);
  const count = received.readInt32BE(10);
  const lines = [];
  for (let i = 0, at = 14; i < count; i += 1, at += 6) {
    const key = received.readInt16BE(at);
    if (API_NAMES[key]) lines.push(`${API_NAMES[key]}(${key}) ${received.readInt16BE(at + 2)}-${received.readInt16BE(at + 4)}`);
  }
  if (verbose) process.stdout.write(`broker ${host}:${port} ApiVersions: ${count} APIs\n  ${lines.join('\n  ')}\n`);
  process.exit(0);
});

function fail(reason) {
  if (verbose) process.stderr.write(`ApiVersions ${host}:${port}: ${reason}\n`);
  process.exit(1);
}
