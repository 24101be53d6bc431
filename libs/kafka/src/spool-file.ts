import {
  appendFileSync,
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { decodeSpoolLine, encodeSpoolLine, type SpoolRecord } from './spool-record.js';

const NEWLINE = 0x0a;
const READ_CHUNK_BYTES = 1 << 20;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Records read from the spool, and where the next read starts once they are acknowledged. */
export interface SpoolBatch {
  records: SpoolRecord[];
  /** Lines consumed, including invalid ones (a line torn by a crash). */
  lines: number;
  invalidLines: number;
  /** Byte offset just past the last consumed line. */
  end: number;
}

// Two producers with the same name in one process would share a file without knowing.
const locksHeldHere = new Set<string>();

/**
 * An append-only NDJSON file of events that Kafka has not acknowledged yet, in publish order.
 *
 * `<name>.spool.ndjson` holds the records; `<name>.spool.cursor` holds the byte offset up to
 * which Kafka has acknowledged them, so a restart resends only the rest (a crash between an
 * acknowledgement and the cursor write resends one batch: at-least-once). The file is truncated
 * once everything in it is acknowledged. `<name>.spool.lock` keeps a second live process off it.
 *
 * All I/O is synchronous on purpose: appends and reads then never interleave inside one process,
 * which is what keeps the order. Each call is a small write to the page cache, not an fsync.
 */
export class SpoolFile {
  readonly dir: string;
  readonly name: string;
  readonly path: string;
  readonly cursorPath: string;
  readonly lockPath: string;
  /** Records Kafka refused for what they are (too large, ...): kept for an operator, not resent. */
  readonly rejectedPath: string;

  #fd: number | undefined;
  #size = 0;
  #cursor = 0;
  #depth = 0;

  constructor(dir: string, name: string) {
    if (!NAME_PATTERN.test(name)) {
      throw new Error(`Invalid spool name "${name}": use letters, digits, '.', '_' and '-'`);
    }
    this.dir = dir;
    this.name = name;
    this.path = join(dir, `${name}.spool.ndjson`);
    this.cursorPath = join(dir, `${name}.spool.cursor`);
    this.lockPath = join(dir, `${name}.spool.lock`);
    this.rejectedPath = join(dir, `${name}.rejected.ndjson`);
  }

  /** Records appended and not yet acknowledged. */
  get depth(): number {
    return this.#depth;
  }

  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  open(): void {
    if (this.#fd !== undefined) return;
    mkdirSync(this.dir, { recursive: true });
    this.#acquireLock();
    try {
      // 'a+': every write goes to the end, positional reads still work.
      this.#fd = openSync(this.path, 'a+', 0o600);
      this.#size = fstatSync(this.#fd).size;
      this.#isolateTornTail();
      this.#cursor = this.#loadCursor();
      this.#depth = this.#countLines(this.#cursor, this.#size);
      if (this.#depth === 0) this.#truncate();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  append(records: readonly SpoolRecord[]): void {
    if (records.length === 0) return;
    const fd = this.#requireFd();
    const bytes = Buffer.from(records.map(encodeSpoolLine).join(''), 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) {
        written += writeSync(fd, bytes, written, bytes.length - written);
      }
    } catch (error) {
      // Drop a partly written line (disk full) so the next append does not glue onto it.
      ftruncateSync(fd, this.#size);
      throw error;
    }
    this.#size += bytes.length;
    this.#depth += records.length;
  }

  /**
   * Opens, appends and closes again: for a writer that does not hold the spool (a producer after
   * stop(), or while its worker thread is away), so the next owner finds the records.
   */
  appendOnce(records: readonly SpoolRecord[]): void {
    this.open();
    try {
      this.append(records);
    } finally {
      this.close();
    }
  }

  /**
   * Up to maxRecords records (and about maxBytes, but at least one record) from the first
   * unacknowledged one; empty when the spool is.
   */
  readBatch(maxRecords: number, maxBytes = Number.POSITIVE_INFINITY): SpoolBatch {
    const fd = this.#requireFd();
    const batch: SpoolBatch = { records: [], lines: 0, invalidLines: 0, end: this.#cursor };
    const available = this.#size - this.#cursor;
    let chunk = Math.min(READ_CHUNK_BYTES, available);
    while (chunk > 0) {
      const buffer = Buffer.alloc(chunk);
      const read = readSync(fd, buffer, 0, chunk, this.#cursor);
      let start = 0;
      for (;;) {
        if (batch.lines >= maxRecords) break;
        const newline = buffer.indexOf(NEWLINE, start);
        if (newline < 0 || newline >= read) break;
        if (batch.lines > 0 && newline + 1 > maxBytes) break;
        const record = decodeSpoolLine(buffer.toString('utf8', start, newline));
        if (record) batch.records.push(record);
        else batch.invalidLines += 1;
        batch.lines += 1;
        start = newline + 1;
      }
      if (batch.lines > 0 || chunk >= available) {
        batch.end = this.#cursor + start;
        return batch;
      }
      // A single record larger than the chunk: read more.
      chunk = Math.min(chunk * 2, available);
    }
    return batch;
  }

  /** Sets records aside that Kafka will never accept, with the reason. */
  appendRejected(records: readonly SpoolRecord[], reason: string): void {
    const at = new Date().toISOString();
    const lines = records.map((record) => {
      const line = encodeSpoolLine(record);
      return `{"rejected":${JSON.stringify(reason)},"at":"${at}",${line.slice(1)}`;
    });
    appendFileSync(this.rejectedPath, lines.join(''), { mode: 0o600 });
  }

  /** Marks everything before `end` (that many lines) as delivered. */
  ack(end: number, lines: number): void {
    this.#requireFd();
    if (end < this.#cursor || end > this.#size || lines > this.#depth) {
      throw new Error(
        `Spool ack out of range: ${end} (cursor ${this.#cursor}, size ${this.#size})`,
      );
    }
    this.#cursor = end;
    this.#depth -= lines;
    if (this.#cursor === this.#size) this.#truncate();
    else this.#saveCursor();
  }

  /** Forgets every record (for a file that no longer matches what this object counted). */
  reset(): void {
    this.#truncate();
  }

  /** Offset where the next append lands (to acknowledge records appended while in flight). */
  get endOffset(): number {
    return this.#size;
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
    this.#releaseLock();
  }

  #requireFd(): number {
    if (this.#fd === undefined) throw new Error(`Spool ${this.path} is not open`);
    return this.#fd;
  }

  #truncate(): void {
    const fd = this.#requireFd();
    // Order matters for crash safety: truncate first, then reset the cursor. The other order
    // could leave a stale cursor pointing into records appended after the truncation.
    ftruncateSync(fd, 0);
    this.#size = 0;
    this.#cursor = 0;
    this.#depth = 0;
    this.#saveCursor();
  }

  #saveCursor(): void {
    try {
      writeFileSync(this.cursorPath, `${this.#cursor}\n`);
    } catch {
      // Without the cursor a restart resends from the start of the file: duplicates, no loss.
    }
  }

  #loadCursor(): number {
    let cursor: number;
    try {
      cursor = Number(readFileSync(this.cursorPath, 'utf8').trim());
    } catch {
      return 0;
    }
    if (!Number.isSafeInteger(cursor) || cursor <= 0 || cursor > this.#size) return 0;
    // Must sit right after a newline; anything else means the cursor is from another file.
    const before = Buffer.alloc(1);
    readSync(this.#requireFd(), before, 0, 1, cursor - 1);
    return before[0] === NEWLINE ? cursor : 0;
  }

  /** A crash mid-append can leave a line without its newline; end it so appends stay separate. */
  #isolateTornTail(): void {
    if (this.#size === 0) return;
    const last = Buffer.alloc(1);
    const fd = this.#requireFd();
    readSync(fd, last, 0, 1, this.#size - 1);
    if (last[0] !== NEWLINE) {
      writeSync(fd, '\n');
      this.#size += 1;
    }
  }

  #countLines(from: number, to: number): number {
    const fd = this.#requireFd();
    const buffer = Buffer.alloc(Math.min(READ_CHUNK_BYTES, Math.max(to - from, 1)));
    let lines = 0;
    for (let position = from; position < to;) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, to - position), position);
      if (read === 0) break;
      for (let i = 0; i < read; i += 1) if (buffer[i] === NEWLINE) lines += 1;
      position += read;
    }
    return lines;
  }

  #acquireLock(): void {
    if (locksHeldHere.has(this.lockPath)) {
      throw new Error(`Spool ${this.path} is already open in this process`);
    }
    try {
      writeFileSync(this.lockPath, `${process.pid}\n`, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(this.lockPath, 'utf8').trim());
      if (owner !== process.pid && isAlive(owner)) {
        throw new Error(`Spool ${this.path} is in use by process ${owner}`, { cause: error });
      }
      // Left behind by a process that is gone (or by an earlier life of this pid in a container).
      writeFileSync(this.lockPath, `${process.pid}\n`);
    }
    locksHeldHere.add(this.lockPath);
  }

  #releaseLock(): void {
    if (!locksHeldHere.delete(this.lockPath)) return;
    try {
      unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
