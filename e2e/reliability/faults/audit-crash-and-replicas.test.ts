import { randomBytes } from 'node:crypto';
import { TOPICS } from '@portcullis/contracts';
import { createKafka } from '@portcullis/kafka';
import { AssignerProtocol } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../../support/app-process.js';
import { AccessEventStream } from '../support/access-event-stream.js';
import {
  AuditStore,
  describeTally,
  eventually,
  findingRecorder,
  newAuditGroup,
  startAuditReplica,
} from '../support/fault-stack.js';

const brokers = () => process.env.KAFKA_BROKERS!.split(',');
const suffix = () => randomBytes(4).toString('hex');

/** Access partitions each member of a consumer group holds right now. */
async function accessPartitionsByMember(groupId: string): Promise<number[][]> {
  const admin = createKafka({ brokers: brokers(), clientId: 'e2e-faults-admin' }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((member) => {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return decoded?.assignment[TOPICS.accessEvents] ?? [];
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The audit store under fault: a replica killed with SIGKILL while it ingests, and two replicas
 * of one consumer group, one stopped mid-stream. Events are published straight to Kafka for an
 * API id of the test's own, and counted by request id in audit.audit_events.
 */
describe('audit ingest under process faults', () => {
  const store = new AuditStore();
  const started: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((replica) => replica.stop()));
    await store.close();
  });

  async function replica(name: string, consumerGroup: string): Promise<AppProcess> {
    const process = await startAuditReplica({ name, consumerGroup });
    started.push(process);
    return process;
  }

  const storedCount = async (apiId: string) => (await store.tally(apiId, [])).stored;

  it('loses nothing and stores nothing twice when killed mid-batch and restarted', async () => {
    const record = findingRecorder(
      'fault',
      'Audit service killed (SIGKILL) mid-batch and restarted',
    );
    const stream = new AccessEventStream(brokers(), `faults-audit-kill-${suffix()}`);
    let publishing: Promise<void> | undefined;
    await stream.connect();
    const group = await newAuditGroup('faults-audit-kill');
    try {
      await stream.publish(1_000, 200, 0);
      const first = await replica('faults-audit-kill-1', group);
      // Keep publishing while it ingests, so the kill lands in the middle of the stream.
      publishing = stream.publish(3_000, 100, 30);
      const storedAtKill = await eventually(
        'the first events stored',
        async () => {
          const stored = await storedCount(stream.apiId);
          return stored >= 200 ? stored : undefined;
        },
        90_000,
        50,
      );
      first.child.kill('SIGKILL');
      expect(await first.stop()).toBeNull();
      await publishing;
      await replica('faults-audit-kill-2', group);

      const tally = await store.waitForAll(stream.apiId, stream.requestIds, 120_000);
      const survived =
        tally.missing.length === 0 &&
        tally.duplicated.length === 0 &&
        tally.unexpected.length === 0;
      record({
        kind: 'fault',
        name: 'Audit service killed (SIGKILL) mid-batch and restarted',
        survived,
        detail: `killed with ${storedAtKill} of ${stream.requestIds.length} stored; after restart ${describeTally(stream.requestIds.length, tally)}`,
      });
      expect(storedAtKill).toBeLessThan(stream.requestIds.length);
      expect(tally.missing).toEqual([]);
      expect(tally.duplicated).toEqual([]);
      expect(tally.unexpected).toEqual([]);
    } finally {
      await publishing?.catch(() => undefined);
      await stream.close();
    }
  }, 300_000);

  it('two replicas split the partitions; stopping one mid-stream loses and duplicates nothing', async () => {
    const record = findingRecorder('fault', 'Two audit replicas, one stopped mid-stream');
    const stream = new AccessEventStream(brokers(), `faults-audit-pair-${suffix()}`);
    let publishing: Promise<void> | undefined;
    await stream.connect();
    const group = await newAuditGroup('faults-audit-pair');
    try {
      const [leaving] = await Promise.all([
        replica('faults-audit-pair-a', group),
        replica('faults-audit-pair-b', group),
      ]);
      const split = await eventually(
        'both replicas holding access partitions',
        async () => {
          const members = await accessPartitionsByMember(group);
          return members.length === 2 && members.every((partitions) => partitions.length > 0)
            ? members
            : undefined;
        },
        90_000,
        500,
      );
      publishing = stream.publish(3_000, 100, 30);
      const storedAtStop = await eventually(
        'the first events stored by the pair',
        async () => {
          const stored = await storedCount(stream.apiId);
          return stored >= 300 ? stored : undefined;
        },
        90_000,
        50,
      );
      // Graceful: it leaves on SIGTERM by itself once its running batches are committed (given
      // a minute on a loaded machine), not by the SIGKILL that ends a hung shutdown.
      leaving.child.kill('SIGTERM');
      const leftGracefully = await eventually(
        'the stopped replica exiting',
        async () =>
          leaving.child.exitCode !== null || leaving.child.signalCode !== null || undefined,
        60_000,
      ).catch(() => false);
      await leaving.stop();
      await publishing;
      const remaining = await eventually(
        'the remaining replica holding every access partition',
        async () => {
          const members = await accessPartitionsByMember(group);
          // During the rebalance the member is listed before it holds its new assignment.
          return members.length === 1 && members[0]!.length === 6 ? members[0] : undefined;
        },
        90_000,
        500,
      );

      const tally = await store.waitForAll(stream.apiId, stream.requestIds, 120_000);
      const survived =
        tally.missing.length === 0 &&
        tally.duplicated.length === 0 &&
        tally.unexpected.length === 0;
      record({
        kind: 'fault',
        name: 'Two audit replicas, one stopped mid-stream',
        survived,
        detail:
          `partitions split ${split.map((partitions) => partitions.length).join('+')}; one stopped with ` +
          `${storedAtStop} of ${stream.requestIds.length} stored (exit: ${leaving.child.exitCode ?? leaving.child.signalCode}), ` +
          `the other then held ${remaining.length}; ` +
          describeTally(stream.requestIds.length, tally),
      });
      expect(leftGracefully).toBe(true);
      expect(split.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(remaining.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(storedAtStop).toBeLessThan(stream.requestIds.length);
      expect(tally.missing).toEqual([]);
      expect(tally.duplicated).toEqual([]);
      expect(tally.unexpected).toEqual([]);
    } finally {
      await publishing?.catch(() => undefined);
      await stream.close();
    }
  }, 300_000);
});
