/**
 * Reads HTTP/1.1 responses off a keep-alive connection, chunk by chunk, and tells the status of
 * each one that is complete. Only what the benchmark's targets send: a Content-Length or chunked
 * body, or none (1xx, 204, 304). Bodies are skipped, not kept.
 */
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r\n]*chunked/i;

type State =
  | { kind: 'head' }
  | { kind: 'body'; status: number; remaining: number }
  | { kind: 'chunk-size'; status: number }
  | { kind: 'chunk-data'; status: number; remaining: number }
  | { kind: 'trailer'; status: number };

export class ResponseReader {
  #pending: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'head' };

  /** Feeds one chunk; returns the statuses of the responses it completed, in order. */
  read(chunk: Buffer): number[] {
    let buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const completed: number[] = [];
    for (;;) {
      const state = this.#state;
      if (state.kind === 'head') {
        const end = buffer.indexOf(HEADER_END);
        if (end < 0) break;
        const head = buffer.toString('latin1', 0, end + 2);
        buffer = buffer.subarray(end + 4);
        const status = Number(head.slice(9, 12));
        if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) {
          throw new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 40))}`);
        }
        if (status < 200 || status === 204 || status === 304) {
          if (status >= 200) completed.push(status);
          continue;
        }
        if (CHUNKED.test(head)) {
          this.#state = { kind: 'chunk-size', status };
          continue;
        }
        const length = CONTENT_LENGTH.exec(head)?.[1];
        if (length === undefined) throw new Error('a response without a length (read to close)');
        this.#state = { kind: 'body', status, remaining: Number(length) };
      } else if (state.kind === 'body' || state.kind === 'chunk-data') {
        const taken = Math.min(state.remaining, buffer.length);
        buffer = buffer.subarray(taken);
        state.remaining -= taken;
        if (state.remaining > 0) break;
        if (state.kind === 'body') {
          completed.push(state.status);
          this.#state = { kind: 'head' };
        } else {
          this.#state = { kind: 'chunk-size', status: state.status };
        }
      } else {
        // A chunk-size line (with the CRLF that ends the previous chunk's data), or a trailer line.
        let lineStart = 0;
        if (state.kind === 'chunk-size' && buffer[0] === 13 && buffer[1] === 10) lineStart = 2;
        const lineEnd = buffer.indexOf('\r\n', lineStart);
        if (lineEnd < 0) break;
        const line = buffer.toString('latin1', lineStart, lineEnd);
        buffer = buffer.subarray(lineEnd + 2);
        if (state.kind === 'trailer') {
          if (line === '') {
            completed.push(state.status);
            this.#state = { kind: 'head' };
          }
          continue;
        }
        const size = Number.parseInt(line, 16);
        if (!Number.isFinite(size)) throw new Error(`bad chunk size ${JSON.stringify(line)}`);
        this.#state =
          size === 0
            ? { kind: 'trailer', status: state.status }
            : { kind: 'chunk-data', status: state.status, remaining: size };
      }
    }
    this.#pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    return completed;
  }
}
