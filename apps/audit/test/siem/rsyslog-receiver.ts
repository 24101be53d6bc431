import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RsyslogReceiver {
  port: number;
  /** Lines written so far: `facility\tseverity\tapp-name\tmsgid\tprotocol-version\trawmsg`. */
  lines(): string[];
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real rsyslog (Debian's rsyslogd) listening with imtcp, octet-counted framing on, writing what
 * it parsed (facility, severity, app-name, msgid, protocol version) and the raw message to a file.
 * Control-character escaping is off so LEEF's tab delimiter arrives as sent.
 */
export async function startRsyslog(): Promise<RsyslogReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-rsyslog-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const output = join(dir, 'received.log');
  const conf = join(dir, 'rsyslog.conf');
  const pidFile = join(dir, 'rsyslogd.pid');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}" parser.escapeControlCharactersOnReceive="off")`,
      'module(load="imtcp")',
      'template(name="fields" type="string" string="%syslogfacility%\\t%syslogseverity%\\t%app-name%\\t%msgid%\\t%protocol-version%\\t%rawmsg%\\n")',
      'ruleset(name="capture") {',
      `  action(type="omfile" file="${output}" template="fields" flushOnTXEnd="on" asyncWriting="off")`,
      '}',
      `input(type="imtcp" address="127.0.0.1" port="${port}" supportOctetCountedFraming="on" ruleset="capture")`,
      '',
    ].join('\n'),
  );
  execFileSync('rsyslogd', ['-N1', '-f', conf], { stdio: 'pipe' });
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', pidFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await waitForPort(
    port,
    () => child.exitCode !== null,
    () => stderr,
  );

  const lines = () =>
    existsSync(output)
      ? readFileSync(output, 'utf8')
          .split('\n')
          .filter((line) => line.length > 0)
      : [];
  return {
    port,
    lines,
    async waitForLines(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const current = lines();
        if (current.length >= count) return current;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`rsyslog wrote ${lines().length} of ${count} lines`);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(
  port: number,
  exited: () => boolean,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`rsyslogd exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`rsyslogd did not listen on ${port}: ${stderr()}`);
}
