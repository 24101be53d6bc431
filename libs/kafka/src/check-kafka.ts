import type { Admin, Kafka } from 'kafkajs';

const DEFAULT_TIMEOUT_MS = 2000;

// One admin connection per client, kept open between probes: readiness endpoints are polled often.
const probes = new WeakMap<Kafka, Promise<Admin>>();

/** Readiness probe: resolves when the cluster answers DescribeCluster in time, throws otherwise. */
export async function checkKafka(kafka: Kafka, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  let connecting = probes.get(kafka);
  if (!connecting) {
    connecting = connectAdmin(kafka);
    probes.set(kafka, connecting);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Kafka did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([connecting.then((admin) => admin.describeCluster()), timeout]);
  } catch (error) {
    // Start the next probe from a fresh connection rather than a half-broken one.
    if (probes.get(kafka) === connecting) probes.delete(kafka);
    void connecting.then((admin) => admin.disconnect()).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Closes the connection checkKafka keeps for this client (on shutdown). */
export async function closeKafkaCheck(kafka: Kafka): Promise<void> {
  const connecting = probes.get(kafka);
  if (!connecting) return;
  probes.delete(kafka);
  await connecting.then((admin) => admin.disconnect()).catch(() => undefined);
}

async function connectAdmin(kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  return admin;
}
