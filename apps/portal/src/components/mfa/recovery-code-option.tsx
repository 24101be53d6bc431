import { TextField } from '../forms/fields';

/** "Lost your phone?": a recovery code instead of the TOTP code, folded away until asked for. */
export function RecoveryCodeOption({ hint }: { hint: string }) {
  return (
    <details className="recovery-option">
      <summary>Lost your phone? Use a recovery code</summary>
      <TextField
        name="recoveryCode"
        label="Recovery code"
        hint={hint}
        autoComplete="off"
        maxLength={64}
      />
    </details>
  );
}
