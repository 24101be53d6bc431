import { describe, expect, it } from 'vitest';
import { editApiFormSchema } from './api-edit';

const base = {
  version: '3',
  description: ' Payments ',
  approvalSandbox: 'auto',
  approvalProduction: 'manual',
};

describe('editApiFormSchema', () => {
  it('reads flat plan fields into the PATCH body, skipping removed plans and the empty new row', () => {
    const parsed = editApiFormSchema.parse({
      ...base,
      'plans.0.name': 'standard',
      'plans.0.ratePerSecond': '100',
      'plans.0.burst': '',
      'plans.0.monthlyQuota': '1000000',
      'plans.0.approvalMode': 'inherit',
      'plans.1.name': 'legacy',
      'plans.1.ratePerSecond': '5',
      'plans.1.remove': 'on',
      'plans.2.name': '',
      'plans.2.ratePerSecond': '',
    });
    expect(parsed).toEqual({
      version: 3,
      description: 'Payments',
      approval: { sandbox: 'auto', production: 'manual' },
      plans: [
        {
          name: 'standard',
          description: null,
          ratePerSecond: 100,
          monthlyQuota: 1_000_000,
          approvalMode: null,
        },
      ],
    });
  });

  it('puts each mistake on the field that has it', () => {
    const result = editApiFormSchema.safeParse({
      ...base,
      approvalProduction: 'sometimes',
      'plans.0.name': 'gold',
      'plans.0.ratePerSecond': 'fast',
      'plans.1.name': '',
      'plans.1.ratePerSecond': '10',
      'plans.2.name': '',
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['approvalProduction', 'plans.0.ratePerSecond', 'plans.1.name']),
    );
  });
});
