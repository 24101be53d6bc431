import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolFile, type SpoolRecord } from '../src/index.js';
import { decodeSpoolLine, encodeSpoolLine } from '../src/spool-record.js';

function record(n: number, extra: Record<string, unknown> = {}): SpoolRecord {
  return {
    topic: 'portcullis.test.v1',
    key: `app-${n % 3}`,
    id: `event-${n}`,
    timestamp: 1_700_000_000_000 + n,
    value: JSON.stringify({ id: `event-${n}`, n, text: 'é "quoted" \n line', ...extra }),
  };
}

const ids = (records: readonly SpoolRecord[]) => records.map((r) => r.id);

describe('spool lines', () => {
  it('round-trips a record exactly', () => {
    const original = record(7, { nested: { list: [1, 2.5, null, true] } });
    const line = encodeSpoolLine(original);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(decodeSpoolLine(line.slice(0, -1))).toEqual(original);
  });

  it('embeds the event as JSON so the file is readable', () => {
    const line = JSON.parse(encodeSpoolLine(record(1))) as { value: { n: number } };
    expect(line.value.n).toBe(1);
  });

  it('rejects torn and foreign lines', () => {
    const line = encodeSpoolLine(record(1)).slice(0, -1);
    expect(decodeSpoolLine(line.slice(0, 20))).toBeUndefined();
    expect(decodeSpoolLine('{"hello":"world"}')).toBeUndefined();
    expect(
      decodeSpoolLine('{"topic":"t","key":"k","id":"i","ts":1,"value":[1,2]}'),
    ).toBeUndefined();
    expect(decodeSpoolLine('{"topic":"t","key":"k","id":"","ts":1,"value":{}}')).toBeUndefined();
  });
});

describe('SpoolFile', () => {
  let dir: string;
  const opened: SpoolFile[] = [];
  const open = (name = 'producer') => {
    const spool = new SpoolFile(dir, name);
    spool.open();
    opened.push(spool);
    return spool;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-spool-'));
  });
  afterEach(() => {
    for (const spool of opened.splice(0)) spool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back appended records in order, in batches', () => {
    const spool = open();
    spool.append([record(1), record(2)]);
    spool.append([record(3)]);
    expect(spool.depth).toBe(3);

    const first = spool.readBatch(2);
    expect(ids(first.records)).toEqual(['event-1', 'event-2']);
    expect(first.lines).toBe(2);
    // Reading does not consume: only an acknowledgement does.
    expect(ids(spool.readBatch(2).records)).toEqual(['event-1', 'event-2']);

    spool.ack(first.end, first.lines);
    expect(spool.depth).toBe(1);
    expect(ids(spool.readBatch(10).records)).toEqual(['event-3']);
  });

  it('caps a batch by bytes, but always returns at least one record', () => {
    const spool = open();
    spool.append([record(1), record(2), record(3)]);
    const lineBytes = Buffer.byteLength(encodeSpoolLine(record(1)));
    expect(ids(spool.readBatch(10, lineBytes * 2).records)).toEqual(['event-1', 'event-2']);
    expect(ids(spool.readBatch(10, 1).records)).toEqual(['event-1']);
  });

  it('sets rejected records aside in a file of their own, with the reason', () => {
    const spool = open();
    spool.appendRejected([record(5)], 'MESSAGE_TOO_LARGE');
    const [line, ...rest] = readFileSync(spool.rejectedPath, 'utf8').split('\n');
    expect(rest).toEqual(['']);
    expect(JSON.parse(line!)).toMatchObject({ rejected: 'MESSAGE_TOO_LARGE', id: 'event-5' });
    expect(spool.depth).toBe(0);
  });

  it('truncates the file once everything is acknowledged', () => {
    const spool = open();
    spool.append([record(1), record(2)]);
    expect(statSync(spool.path).size).toBeGreaterThan(0);
    const batch = spool.readBatch(10);
    spool.ack(batch.end, batch.lines);
    expect(spool.depth).toBe(0);
    expect(statSync(spool.path).size).toBe(0);
    expect(readFileSync(spool.cursorPath, 'utf8').trim()).toBe('0');
    expect(spool.readBatch(10).records).toEqual([]);
  });

  it('appendOnce leaves the spool closed, and unlocked, with the records for its next owner', () => {
    const writer = new SpoolFile(dir, 'producer');
    writer.appendOnce([record(1), record(2)]);
    expect(writer.isOpen).toBe(false);
    const owner = open();
    expect(owner.depth).toBe(2);
    expect(ids(owner.readBatch(10).records)).toEqual(['event-1', 'event-2']);
  });

  it('keeps unacknowledged records and the cursor across a reopen', () => {
    const spool = open();
    spool.append([record(1), record(2), record(3)]);
    const first = spool.readBatch(1);
    spool.ack(first.end, first.lines);
    spool.close();

    const reopened = open();
    expect(reopened.depth).toBe(2);
    expect(ids(reopened.readBatch(10).records)).toEqual(['event-2', 'event-3']);
  });

  it('ignores a cursor that does not point at a line start', () => {
    const spool = open();
    spool.append([record(1), record(2)]);
    spool.close();
    writeFileSync(spool.cursorPath, '5\n');

    const reopened = open();
    expect(reopened.depth).toBe(2);
    expect(ids(reopened.readBatch(10).records)).toEqual(['event-1', 'event-2']);
  });

  it('isolates a line torn by a crash and skips it', () => {
    const path = join(dir, 'producer.spool.ndjson');
    const torn = encodeSpoolLine(record(2)).slice(0, 25);
    writeFileSync(path, encodeSpoolLine(record(1)) + torn);

    const spool = open();
    spool.append([record(3)]);
    expect(spool.depth).toBe(3);
    const batch = spool.readBatch(10);
    expect(ids(batch.records)).toEqual(['event-1', 'event-3']);
    expect(batch.invalidLines).toBe(1);
    expect(batch.lines).toBe(3);
    spool.ack(batch.end, batch.lines);
    expect(spool.depth).toBe(0);
  });

  it('reads a record larger than its read chunk', () => {
    const spool = open();
    const big = record(1, { blob: 'x'.repeat(3 * 1024 * 1024) });
    spool.append([big, record(2)]);
    const batch = spool.readBatch(10);
    expect(batch.records[0]).toEqual(big);
    expect(ids(batch.records)).toEqual(['event-1', 'event-2']);
  });

  it('picks up records appended by another writer before it was opened', () => {
    appendFileSync(join(dir, 'producer.spool.ndjson'), encodeSpoolLine(record(9)));
    const spool = open();
    expect(spool.depth).toBe(1);
    expect(ids(spool.readBatch(10).records)).toEqual(['event-9']);
  });

  it('rejects an ack beyond what is in the file', () => {
    const spool = open();
    spool.append([record(1)]);
    expect(() => spool.ack(spool.endOffset + 1, 1)).toThrow(/out of range/);
    expect(() => spool.ack(spool.endOffset, 2)).toThrow(/out of range/);
  });

  it('lets one owner at a time open a spool', () => {
    open('shared');
    expect(() => open('shared')).toThrow(/already open in this process/);

    // A lock left by a live process is respected.
    writeFileSync(join(dir, 'other.spool.lock'), `${process.ppid}\n`);
    expect(() => open('other')).toThrow(/in use by process/);
  });

  it('takes over a lock left by a process that is gone', () => {
    const gone = spawnSync('true').pid;
    writeFileSync(join(dir, 'stale.spool.lock'), `${gone}\n`);
    const spool = open('stale');
    expect(readFileSync(spool.lockPath, 'utf8').trim()).toBe(String(process.pid));
    spool.close();
    expect(() => statSync(spool.lockPath)).toThrow();
    opened.splice(opened.indexOf(spool), 1);
  });

  it('refuses names that are not plain file names', () => {
    expect(() => new SpoolFile(dir, '../escape')).toThrow(/Invalid spool name/);
    expect(() => new SpoolFile(dir, '')).toThrow(/Invalid spool name/);
  });
});
