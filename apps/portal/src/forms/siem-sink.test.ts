import { describe, expect, it } from 'vitest';
import { siemSinkFormSchema } from './siem-sink';

describe('siemSinkFormSchema', () => {
  it('builds each kind’s config and secret, ignoring the other kinds’ fields', () => {
    expect(
      siemSinkFormSchema.parse({
        name: 'SOC',
        kind: 'webhook',
        url: 'https://soc.example.com/hook',
        secret: 'sixteen-chars-long!',
        host: 'ignored',
        eventTypes: 'gateway.access',
      }),
    ).toEqual({
      name: 'SOC',
      kind: 'webhook',
      config: { url: 'https://soc.example.com/hook' },
      secret: { secret: 'sixteen-chars-long!' },
      eventTypes: ['gateway.access'],
      startFrom: 'latest',
    });
    expect(
      siemSinkFormSchema.parse({
        name: 'Syslog',
        kind: 'syslog_cef',
        host: 'siem',
        port: '6514',
        tls: 'on',
      }),
    ).toMatchObject({ config: { host: 'siem', port: 6514, tls: true }, eventTypes: [] });
  });

  it('names the field that is missing or wrong', () => {
    const result = siemSinkFormSchema.safeParse({
      name: 'HEC',
      kind: 'splunk_hec',
      url: 'ftp://x',
    });
    expect(result.error?.issues.map((issue) => issue.path[0])).toEqual(['url']);
    const short = siemSinkFormSchema.safeParse({
      name: 'Hook',
      kind: 'webhook',
      url: 'https://x.example',
      secret: 'short',
    });
    expect(short.error?.issues[0]).toMatchObject({
      path: ['secret'],
      message: 'Use 16 characters or more',
    });
  });
});
