import { describe, expect, it } from 'vitest';
import { listDomains, signUpFormLayout } from './sign-up-form';

describe('sign-up form layout', () => {
  it('asks for a code when sign-up is by invitation', () => {
    const layout = signUpFormLayout({ mode: 'invitation', emailDomains: [] });
    expect(layout.notice).toMatch(/by invitation/);
    expect(layout.invitationCode).toMatchObject({ required: true });
    expect(layout.invitationCode?.hint).toMatch(/Ask an administrator/);
  });

  it('names the domains and offers an optional code for other addresses', () => {
    const layout = signUpFormLayout({ mode: 'open', emailDomains: ['a.example', 'b.example'] });
    expect(layout.notice).toBeNull();
    expect(layout.emailHint).toBe('Sign-up is open to addresses at a.example or b.example.');
    expect(layout.invitationCode).toMatchObject({ required: false });
    expect(layout.invitationCode?.hint).toMatch(/another domain/);
  });

  it('shows no code field when anyone may sign up', () => {
    expect(signUpFormLayout({ mode: 'open', emailDomains: [] })).toEqual({
      notice: null,
      emailHint: null,
      invitationCode: null,
    });
  });

  it('offers an optional code when the policy could not be read', () => {
    expect(signUpFormLayout(null).invitationCode).toMatchObject({ required: false });
  });

  it('lists domains in a sentence', () => {
    expect(listDomains([])).toBe('');
    expect(listDomains(['a.example'])).toBe('a.example');
    expect(listDomains(['a', 'b', 'c'])).toBe('a, b or c');
  });
});
