import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  base64KeyVar,
  booleanVar,
  databaseEnv,
  hostPortListVar,
  kafkaEnv,
  loadConfig,
  portVar,
  secretVar,
  trustedProxiesVar,
} from '../src/index.js';

describe('loadConfig', () => {
  it('applies documented defaults when variables are unset', () => {
    const config = loadConfig({ ...databaseEnv, ...kafkaEnv, PORT: portVar(3001) }, {});
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/portcullis');
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.PORT).toBe(3001);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: portVar(8080) }, { PORT: '  ' }).PORT).toBe(8080);
  });

  it('parses values given in the environment', () => {
    const config = loadConfig(
      { PORT: portVar(1), KAFKA_BROKERS: hostPortListVar('x:1'), FLAG: booleanVar(false) },
      { PORT: '4000', KAFKA_BROKERS: 'a:9092, b.example:9093', FLAG: 'yes' },
    );
    expect(config).toEqual({ PORT: 4000, KAFKA_BROKERS: ['a:9092', 'b.example:9093'], FLAG: true });
  });

  it('fails with a message naming a malformed variable', () => {
    expect(() => loadConfig({ GATEWAY_PORT: portVar(8080) }, { GATEWAY_PORT: '99999' })).toThrow(
      /GATEWAY_PORT: must be between 1 and 65535/,
    );
    expect(() => loadConfig(databaseEnv, { DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL: must be a URL starting with postgresql:\/\/ or postgres:\/\//,
    );
  });

  it('fails with a message naming a missing required variable', () => {
    try {
      loadConfig({ MASTER_KEY: secretVar(32), PORT: portVar(1) }, { PORT: 'abc' });
      expect.unreachable('loadConfig should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const configError = error as ConfigError;
      expect(configError.issues.map((issue) => issue.variable).sort()).toEqual([
        'MASTER_KEY',
        'PORT',
      ]);
      expect(configError.message).toContain('MASTER_KEY');
    }
  });

  it('never echoes the rejected value, which may be a secret', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ MASTER_KEY: secretVar(32) }, { MASTER_KEY: secret })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ MASTER_KEY: secretVar(32) }, { MASTER_KEY: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('reads trusted proxies as addresses and CIDR ranges, refusing host names and bad prefixes', () => {
    const env = { TRUSTED_PROXIES: trustedProxiesVar() };
    expect(loadConfig(env, {}).TRUSTED_PROXIES).toEqual([]);
    expect(
      loadConfig(env, { TRUSTED_PROXIES: '127.0.0.1, ::1,10.0.0.0/8 , fd00::/8' }).TRUSTED_PROXIES,
    ).toEqual(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
    for (const bad of ['portal.internal', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '/8']) {
      expect(() => loadConfig(env, { TRUSTED_PROXIES: bad }), bad).toThrow(
        /TRUSTED_PROXIES: must be comma-separated IP addresses or CIDR ranges/,
      );
    }
  });
});

describe('base64KeyVar', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('takes a key written exactly, and says how to keep a sloppy one', () => {
    const env = { HASH_KEY: base64KeyVar('HASH_KEY', 32) };
    expect(loadConfig(env, { HASH_KEY: key }).HASH_KEY).toBe(key);
    let message = '';
    try {
      loadConfig(env, { HASH_KEY: `"${key}"` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/HASH_KEY: must be base64 of at least 32 random bytes/);
    expect(message).toContain('written exactly');
    expect(message).toContain('"$HASH_KEY"');
    // The hint's command gives the canonical text of what a lenient reading made of it.
    expect(message).not.toContain(key);
    expect(() => loadConfig(env, { HASH_KEY: 'c2hvcnQ=' })).toThrow(
      /HASH_KEY: must be base64 of at least 32 random bytes \(generate one/,
    );
  });

  it('holds some keys to an exact length', () => {
    const env = { SEED: base64KeyVar('SEED', 32, { exactBytes: true }) };
    expect(() => loadConfig(env, { SEED: Buffer.alloc(48).toString('base64') })).toThrow(
      /SEED: must be base64 of exactly 32 random bytes/,
    );
    expect(loadConfig(env, { SEED: key }).SEED).toBe(key);
  });
});

describe('loadConfigOrExit', () => {
  /** Runs a tiny entry point on the library's source, as a service's main.ts uses it. */
  function runEntryPoint(port: string) {
    const source = pathToFileURL(resolve(import.meta.dirname, '../src/load-config.ts')).href;
    const script = `
      import { z } from 'zod';
      const { loadConfig, loadConfigOrExit } = await import(${JSON.stringify(source)});
      const config = loadConfigOrExit('demo', () =>
        loadConfig({ DEMO_PORT: z.coerce.number().int().min(1).max(65535) }, { DEMO_PORT: ${JSON.stringify(port)} }));
      console.log('port', config.DEMO_PORT);
    `;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
  }

  it('ends the process with 78 and the problem, never a stack trace', () => {
    const bad = runEntryPoint('not-a-port');
    expect(bad.status).toBe(78);
    expect(bad.stderr).toMatch(/^demo: Invalid configuration:\n {2}- DEMO_PORT: /);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(bad.stderr).not.toContain('not-a-port');
    const good = runEntryPoint('8080');
    expect(good.status).toBe(0);
    expect(good.stdout).toBe('port 8080\n');
  });
});
