import { z } from 'zod';
import { parseCertificate, parsePublicKeys } from '../lib/credential-material';

/**
 * Form schemas: the same rules the identity API applies (apps/identity/src/**\/…-schemas.ts), so a
 * mistake is caught before the round trip; the API stays the authority and its errors are mapped
 * back onto the same fields.
 */
const email = z
  .email('Enter an email address, like dev@example.com')
  .max(320)
  .transform((v) => v.trim().toLowerCase());
const required = (what: string, max = 100) =>
  z.string().trim().min(1, `Enter ${what}`).max(max, `Keep it under ${max} characters`);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep it under ${max} characters`)
    .optional()
    .transform((value) => (value ? value : undefined));

export const environmentSchema = z.enum(['sandbox', 'production'], 'Choose sandbox or production');

export const signUpFormSchema = z.object({
  displayName: required('your name'),
  email,
  password: z.string().min(12, 'Use at least 12 characters').max(256),
  /** From an admin's invitation; sent only when given (identity decides whether it is needed). */
  invitationCode: z
    .string()
    .trim()
    .max(128, 'An invitation code looks like pcl_inv_… and is shorter than that')
    .optional()
    .transform((value) => value || undefined),
});

export const signInFormSchema = z.object({
  email,
  password: z.string().min(1, 'Enter your password').max(256),
  next: z.string().optional(),
});

export const mfaFormSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app'),
});

/** Turning TOTP on: a code from the new authenticator, and the password (a session is not enough). */
export const totpConfirmFormSchema = mfaFormSchema.extend({
  currentPassword: z
    .string()
    .min(1, 'Enter your current password: it proves the change is yours')
    .max(256),
});

/** The sign-in's second factor: a TOTP code, or one of the recovery codes instead. */
export const secondFactorFormSchema = z
  .object({
    code: z
      .string()
      .trim()
      .optional()
      .transform((value) => value || undefined),
    recoveryCode: z
      .string()
      .trim()
      .max(64, 'A recovery code looks like abcd-efgh-ijkl-mnop')
      .optional()
      .transform((value) => value || undefined),
    next: z.string().optional(),
  })
  .superRefine((value, context) => {
    if (value.recoveryCode) return;
    if (!value.code || !/^\d{6}$/.test(value.code)) {
      context.addIssue({
        code: 'custom',
        path: ['code'],
        message: 'Enter the 6-digit code from your authenticator app, or use a recovery code',
      });
    }
  });

export const createTeamFormSchema = z.object({
  name: required('a team name'),
  description: optionalText(2000),
});

export const addMemberFormSchema = z.object({
  email,
  role: z.enum(['owner', 'member'], 'Choose owner or member'),
});

export const createApplicationFormSchema = z.object({
  teamId: z.string().min(1, 'Choose the team that owns the application'),
  name: required('a name'),
  description: optionalText(2000),
});

export const requestAccessFormSchema = z.object({
  applicationId: z.string().min(1, 'Choose an application'),
  planId: z.string().min(1, 'Choose a plan'),
  environment: environmentSchema,
  justification: z
    .string()
    .trim()
    .min(10, 'Tell the API owner in a sentence or two why you need access')
    .max(2000, 'Keep it under 2000 characters'),
});

/**
 * One form for every kind; the key material fields apply to their kind only and are translated
 * into what the credentials API takes (see src/lib/credential-material.ts).
 */
export const createCredentialFormSchema = z
  .object({
    kind: z.enum(
      ['client_secret', 'api_key', 'private_key_jwt', 'tls_client_auth'],
      'Choose a credential type',
    ),
    environment: environmentSchema,
    publicKeys: optionalText(20_000),
    certificate: optionalText(16_384),
  })
  .transform((input, context) => {
    const material = keyMaterial(input.kind, input, context);
    return material === z.NEVER
      ? z.NEVER
      : { kind: input.kind, environment: input.environment, ...material };
  });

type KeyMaterial =
  | Record<string, never>
  | { jwks: { keys: object[] } }
  | { certificatePem: string }
  | { certificateThumbprint: string };

/** The pasted key material a kind needs, as the API takes it; issues on the pasted field. */
function keyMaterial(
  kind: string,
  input: { publicKeys?: string; certificate?: string },
  context: z.RefinementCtx,
): KeyMaterial | typeof z.NEVER {
  if (kind === 'private_key_jwt') {
    if (!input.publicKeys) {
      context.addIssue({
        code: 'custom',
        path: ['publicKeys'],
        message: 'Paste the public key your service signs its token requests with',
      });
      return z.NEVER;
    }
    const keys = parsePublicKeys(input.publicKeys);
    if (!keys.ok) {
      context.addIssue({ code: 'custom', path: ['publicKeys'], message: keys.message });
      return z.NEVER;
    }
    return { jwks: keys.value };
  }
  if (kind === 'tls_client_auth') {
    if (!input.certificate) {
      context.addIssue({
        code: 'custom',
        path: ['certificate'],
        message: 'Paste the client certificate or its SHA-256 thumbprint',
      });
      return z.NEVER;
    }
    const certificate = parseCertificate(input.certificate);
    if (!certificate.ok) {
      context.addIssue({ code: 'custom', path: ['certificate'], message: certificate.message });
      return z.NEVER;
    }
    return certificate.value;
  }
  return {};
}

/** API paths of key material → the form field where the person pasted it. */
export const CREDENTIAL_MATERIAL_ALIASES = {
  jwks: 'publicKeys',
  certificatePem: 'certificate',
  certificateThumbprint: 'certificate',
};

/** Rotating a key-based credential brings the new key or certificate; secrets are generated. */
export function rotateCredentialFormSchema(kind: string) {
  return z
    .object({
      graceHours: z.coerce
        .number('Enter a number of hours')
        .int('Use whole hours')
        .min(0, 'Use 0 or more hours')
        .max(24 * 30, 'At most 30 days (720 hours)'),
      publicKeys: optionalText(20_000),
      certificate: optionalText(16_384),
    })
    .transform((input, context) => {
      const material = keyMaterial(kind, input, context);
      return material === z.NEVER ? z.NEVER : { graceHours: input.graceHours, ...material };
    });
}

export const decisionFormSchema = z.object({
  comment: optionalText(2000),
  scopes: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) =>
      value === undefined ? undefined : Array.isArray(value) ? value : [value],
    ),
});

export const rejectFormSchema = z.object({
  comment: z.string().trim().min(3, 'Say why, so the developer knows what to change').max(2000),
});

export const optionalCommentFormSchema = z.object({ comment: optionalText(2000) });

export const grantRoleFormSchema = z.object({
  role: z.enum(['approver', 'security', 'admin'], 'Choose a role'),
  apiId: optionalText(64),
});

/** Disabling an account ends the person's sessions: the admin ticks a box to say they mean it. */
export const disableAccountFormSchema = z.object({
  confirm: z.literal('yes', 'Tick the box to confirm you want to disable this account'),
});

/** An admin invites one e-mail address to sign up. */
export const inviteFormSchema = z.object({ email });

/** Setting a new password with the one-time code an admin issued (identity calls it `token`). */
export const passwordResetFormSchema = z.object({
  resetCode: z
    .string()
    .trim()
    .min(1, 'Enter the reset code an administrator gave you')
    .max(256, 'A reset code looks like pcl_pwr_… and is shorter than that'),
  newPassword: z.string().min(12, 'Use at least 12 characters').max(256),
});

export const emptyFormSchema = z.object({});
