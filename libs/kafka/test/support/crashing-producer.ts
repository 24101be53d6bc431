// Child process for the crash test: spools events while the broker is down, then dies without
// stop() (no flush, no cleanup), as a killed process would. Prints the published events.
import { randomUUID } from 'node:crypto';
import { EventProducer, createKafka } from '../../src/index.js';

const [brokers = '', spoolDir = '', name = '', topic = '', countArg = '0'] = process.argv.slice(2);
const kafka = createKafka({ brokers: brokers.split(','), clientId: 'kafka-crash-test' });
const producer = new EventProducer({ kafka, spoolDir, name, maxBackoffMs: 500 });
await producer.start();

const count = Number(countArg);
const sent = Array.from({ length: count }, (_, seq) => ({
  id: randomUUID(),
  type: 'test.event',
  seq,
  appId: `app-${seq % 3}`,
}));
for (const event of sent) producer.publish(topic, event.appId, event);

const deadline = Date.now() + 30_000;
while (producer.spoolDepth < count && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(JSON.stringify({ spoolDepth: producer.spoolDepth, sent }));
process.exit(producer.spoolDepth === count ? 0 : 1);
