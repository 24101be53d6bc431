import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadIdentityConfig, startupWarnings } from '../../src/config.js';

const productionEnv = {
  NODE_ENV: 'production',
  IDENTITY_MASTER_KEY: randomBytes(32).toString('base64'),
  CREDENTIAL_HASH_KEY: randomBytes(32).toString('base64'),
  IDENTITY_SERVICE_TOKENS: `gateway=${'g'.repeat(40)},portal=${'p'.repeat(40)}`,
  SIGN_UP_MODE: 'invitation',
};

describe('identity start-up warnings', () => {
  it('warns a production identity with a portal that believes no proxy', () => {
    const warnings = startupWarnings(loadIdentityConfig(productionEnv));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^TRUSTED_PROXIES is empty: sign-ins through the portal/);
  });

  it('says nothing once the portal is trusted, without a portal, or outside production', () => {
    expect(
      startupWarnings(loadIdentityConfig({ ...productionEnv, TRUSTED_PROXIES: '10.0.4.0/24' })),
    ).toEqual([]);
    expect(
      startupWarnings(
        loadIdentityConfig({
          ...productionEnv,
          IDENTITY_SERVICE_TOKENS: `gateway=${'g'.repeat(40)}`,
        }),
      ),
    ).toEqual([]);
    expect(startupWarnings(loadIdentityConfig({ NODE_ENV: 'development' }))).toEqual([]);
  });

  it('warns a production identity where anyone may sign up', () => {
    const open = { ...productionEnv, TRUSTED_PROXIES: '10.0.4.0/24', SIGN_UP_MODE: 'open' };
    const warnings = startupWarnings(loadIdentityConfig(open));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^SIGN_UP_MODE is open and SIGN_UP_EMAIL_DOMAINS is empty/);
    expect(
      startupWarnings(loadIdentityConfig({ ...open, SIGN_UP_EMAIL_DOMAINS: 'example.com' })),
    ).toEqual([]);
  });
});

describe('sign-up settings', () => {
  it('reads e-mail domains lower-cased, without a leading @, and refuses what is no domain', () => {
    const config = loadIdentityConfig({ SIGN_UP_EMAIL_DOMAINS: ' Example.COM, @corp.example ,' });
    expect(config.SIGN_UP_EMAIL_DOMAINS).toEqual(['example.com', 'corp.example']);
    expect(config.SIGN_UP_MODE).toBe('open');
    for (const bad of ['10.0.0.1', 'example.com/24', 'exa mple.com', '*.example.com']) {
      expect(() => loadIdentityConfig({ SIGN_UP_EMAIL_DOMAINS: bad }), bad).toThrow(
        /SIGN_UP_EMAIL_DOMAINS/,
      );
    }
    expect(() => loadIdentityConfig({ SIGN_UP_MODE: 'closed' })).toThrow(/SIGN_UP_MODE/);
  });
});

describe('earlier master keys', () => {
  it('reads a comma-separated list of keys, each written exactly', () => {
    const first = randomBytes(32).toString('base64');
    const second = randomBytes(48).toString('base64url');
    const config = loadIdentityConfig({ IDENTITY_MASTER_KEY_PREVIOUS: ` ${first}, ${second} ,` });
    expect(config.IDENTITY_MASTER_KEY_PREVIOUS).toEqual([first, second]);
    expect(loadIdentityConfig({}).IDENTITY_MASTER_KEY_PREVIOUS).toEqual([]);
    for (const bad of [randomBytes(16).toString('base64'), `"${first}"`]) {
      expect(() => loadIdentityConfig({ IDENTITY_MASTER_KEY_PREVIOUS: bad })).toThrow(
        /IDENTITY_MASTER_KEY_PREVIOUS/,
      );
    }
  });
});
