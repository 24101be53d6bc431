import { describe, expect, it } from 'vitest';
import { problemSummary, problemToFieldErrors, toProblem } from './problem';

describe('problemToFieldErrors', () => {
  it('puts each error next to the field it names, by whole path or first segment', () => {
    const result = problemToFieldErrors(
      {
        status: 400,
        detail: 'See errors for details.',
        errors: [
          { path: 'password', message: 'Too small: expected string to have >=12 characters' },
          { path: 'email', message: 'Invalid email address' },
          { path: 'email', message: 'Already registered' },
          { path: 'scopes.1', message: 'Unknown scope' },
        ],
      },
      ['email', 'password', 'displayName', 'scopes'],
    );
    expect(result.fields).toEqual({
      password: ['Too small: expected string to have >=12 characters'],
      email: ['Invalid email address', 'Already registered'],
      scopes: ['Unknown scope'],
    });
    expect(result.form).toEqual([]);
  });

  it('translates API names through aliases', () => {
    const result = problemToFieldErrors(
      { status: 400, errors: [{ path: 'planId', message: 'No such plan' }] },
      ['plan'],
      { planId: 'plan' },
    );
    expect(result.fields).toEqual({ plan: ['No such plan'] });
  });

  it('keeps errors for fields the form does not have as form-level messages', () => {
    const result = problemToFieldErrors(
      {
        status: 400,
        errors: [
          { path: 'teamId', message: 'Invalid UUID' },
          { path: '(root)', message: 'Body must be an object' },
        ],
      },
      ['name'],
    );
    expect(result.fields).toEqual({});
    expect(result.form).toEqual(['teamId: Invalid UUID', 'Body must be an object']);
  });

  it('falls back to the detail when there are no per-field errors', () => {
    const result = problemToFieldErrors(
      { status: 409, title: 'conflict', detail: 'An application with this name exists.' },
      ['name'],
    );
    expect(result).toEqual({ fields: {}, form: ['An application with this name exists.'] });
  });

  it('turns a service’s fragments into sentences under the field', () => {
    const mapped = problemToFieldErrors(
      {
        status: 400,
        errors: [
          { path: 'certificatePem', message: 'is not a readable certificate' },
          { path: 'jwks.keys.0.d', message: 'must be a public key (no private members)' },
          { path: 'name', message: 'already taken' },
        ],
      },
      ['certificate', 'publicKeys', 'name'],
      { certificatePem: 'certificate', jwks: 'publicKeys' },
    );
    expect(mapped.fields).toEqual({
      certificate: ['This is not a readable certificate'],
      publicKeys: ['This must be a public key (no private members)'],
      name: ['Already taken'],
    });
  });
});

describe('problemSummary', () => {
  it('prefers a meaningful detail, then the title, then the status', () => {
    expect(problemSummary({ detail: 'Nope.', title: 'forbidden' })).toBe('Nope.');
    expect(problemSummary({ detail: 'See errors for details.', title: 'bad request' })).toBe(
      'Bad request.',
    );
    expect(problemSummary({ status: 502 })).toBe('The request failed (HTTP 502).');
    expect(problemSummary({})).toBe('Something went wrong. Please try again.');
  });
});

describe('toProblem', () => {
  it('keeps a problem body and fills in the status when missing', () => {
    expect(toProblem(404, { title: 'not found', detail: 'No such API.' })).toMatchObject({
      status: 404,
      detail: 'No such API.',
    });
  });

  it('turns a body that is no problem into a generic one without echoing it', () => {
    const problem = toProblem(500, '<html>stack trace at secret.ts:12</html>');
    expect(problem).toEqual({ status: 500, title: 'The service failed' });
  });
});
