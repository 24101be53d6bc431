import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/** Past this many remembered keys the memory starts over (keys are ids: this is rarely reached). */
const MAX_REMEMBERED_KEYS = 50_000;

/**
 * kafkajs' DefaultPartitioner (Java-compatible murmur2 of the key), remembering the partition of
 * each string key per topic and partition count. Producers here key by ids that repeat (the
 * gateway keys access events by application), and hashing every message's key was a visible part
 * of the gateway's CPU per request. The answer for a key depends only on the key and the partition
 * count, so it is the same answer; unkeyed messages and explicit partitions go straight through.
 */
export const RememberingPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const remembered = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (typeof message.key !== 'string') return partitioner(args);
    const id = `${topic}\u0000${partitionMetadata.length}\u0000${message.key}`;
    let partition = remembered.get(id);
    if (partition === undefined) {
      partition = partitioner(args);
      if (remembered.size >= MAX_REMEMBERED_KEYS) remembered.clear();
      remembered.set(id, partition);
    }
    return partition;
  };
};
