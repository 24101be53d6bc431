// One readiness probe for kafka.sh: exits 0 when the broker answers DescribeCluster, 1 otherwise.
// kafka.sh calls it in a loop; an open TCP port alone does not mean the KRaft broker is serving.
import { Kafka, logLevel } from 'kafkajs';

const broker = process.argv[2] ?? '127.0.0.1:9092';
const kafka = new Kafka({
  clientId: 'portcullis-kafka-sh',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  console.log(
    `cluster ${cluster.clusterId}, controller ${cluster.controller}, ${cluster.brokers.length} broker(s)`,
  );
  await admin.disconnect();
  process.exit(0);
} catch (error) {
  console.error(`not ready: ${(error as Error).message}`);
  await admin.disconnect().catch(() => undefined);
  process.exit(1);
}
