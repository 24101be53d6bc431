// The worker side of EventProducerThread: one EventProducer fed with records serialised on the
// main thread.
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import { createKafka } from './create-kafka.js';
import { EventProducer } from './event-producer.js';
import type {
  FromProducerThread,
  ProducerThreadSetup,
  ToProducerThread,
} from './event-producer-thread-protocol.js';

const DEPTHS_INTERVAL_MS = 500;

if (!parentPort) throw new Error('event-producer-thread-worker runs only as a worker thread');
const port = parentPort;
const setup = workerData as ProducerThreadSetup;
const post = (message: FromProducerThread): void => port.postMessage(message);

// Lines go to the main thread's logger, which owns the format, redaction and destination.
const logger: Logger | undefined = setup.logLevel
  ? pino(
      { level: setup.logLevel, base: null, timestamp: false },
      { write: (line: string) => post({ type: 'log', line }) },
    )
  : undefined;

// On Linux get/setpriority(PRIO_PROCESS, 0) read and change the calling thread only; elsewhere
// they would lower the whole process, the event loop included.
if (setup.niceness !== undefined && setup.niceness > 0 && process.platform === 'linux') {
  try {
    setPriority(Math.min(19, getPriority() + setup.niceness));
  } catch (error) {
    logger?.warn(
      { err: error, niceness: setup.niceness },
      'cannot lower the event producer thread priority',
    );
  }
}

const producer = new EventProducer({
  ...setup.producer,
  kafka: createKafka({ ...setup.kafka, ...(logger ? { logger } : {}) }),
  ...(logger ? { logger } : {}),
});

const depths = () => ({ queueDepth: producer.queueDepth, spoolDepth: producer.spoolDepth });

async function handle(message: ToProducerThread): Promise<void> {
  switch (message.type) {
    case 'records':
      for (const record of message.records) producer.publishRecord(record);
      return;
    case 'flush':
      await producer.flush(message.timeoutMs);
      post({ type: 'done', request: message.request, ...depths() });
      return;
    case 'stop':
      clearInterval(depthsTimer);
      await producer.stop();
      post({ type: 'done', request: message.request, ...depths() });
      port.close();
  }
}

// Messages that arrive while the spool opens wait, so none reaches the producer before start().
let early: ToProducerThread[] | undefined = [];
port.on('message', (message: ToProducerThread) => {
  if (early) early.push(message);
  else run(message);
});

let lastDepths = '';
const depthsTimer = setInterval(() => {
  const now = depths();
  const key = `${now.queueDepth}/${now.spoolDepth}`;
  if (key === lastDepths) return;
  lastDepths = key;
  post({ type: 'depths', ...now });
}, DEPTHS_INTERVAL_MS);
depthsTimer.unref();

function run(message: ToProducerThread): void {
  handle(message).catch((error: unknown) => {
    logger?.error({ err: error, message: message.type }, 'event producer thread request failed');
  });
}

let started = false;
try {
  await producer.start();
  started = true;
} catch (error) {
  clearInterval(depthsTimer);
  post({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  port.close();
}
if (started) {
  post({ type: 'started', ...depths() });
  const waiting = early ?? [];
  early = undefined;
  for (const message of waiting) run(message);
}
