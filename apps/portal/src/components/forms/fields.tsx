'use client';

import { useId, type ReactNode } from 'react';
import { useFormState } from './action-form';
import styles from './forms.module.css';

interface BaseProps {
  name: string;
  label: string;
  hint?: ReactNode;
  required?: boolean;
  defaultValue?: string;
}

function useField(name: string, defaultValue?: string) {
  const { state } = useFormState();
  const errors = state.fieldErrors?.[name] ?? [];
  const value = state.values?.[name] ?? defaultValue;
  return { errors, value };
}

function Described({ id, hint, errors }: { id: string; hint?: ReactNode; errors: string[] }) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className={styles.hint}>
          {hint}
        </p>
      )}
      {errors.length > 0 && (
        <p id={`${id}-error`} className={styles.fieldError}>
          {errors.join(' ')}
        </p>
      )}
    </>
  );
}

function describedBy(id: string, hint: unknown, errors: string[]): string | undefined {
  const ids = [hint ? `${id}-hint` : null, errors.length > 0 ? `${id}-error` : null].filter(
    Boolean,
  );
  return ids.length > 0 ? ids.join(' ') : undefined;
}

export function TextField({
  name,
  label,
  hint,
  required,
  defaultValue,
  type = 'text',
  autoComplete,
  inputMode,
  minLength,
  maxLength,
}: BaseProps & {
  type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'datetime-local';
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'email';
  minLength?: number;
  maxLength?: number;
}) {
  const id = useId();
  const { errors, value } = useField(name, defaultValue);
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.label}>
        {label}
        {!required && <span className={styles.optional}> (optional)</span>}
      </label>
      <Described id={id} hint={hint} errors={errors} />
      <input
        id={id}
        name={name}
        type={type}
        className={styles.input}
        required={required}
        defaultValue={type === 'password' ? undefined : value}
        key={type === 'password' ? undefined : value}
        autoComplete={autoComplete}
        inputMode={inputMode}
        minLength={minLength}
        maxLength={maxLength}
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </div>
  );
}

export function TextAreaField({
  name,
  label,
  hint,
  required,
  defaultValue,
  rows = 4,
}: BaseProps & { rows?: number }) {
  const id = useId();
  const { errors, value } = useField(name, defaultValue);
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.label}>
        {label}
        {!required && <span className={styles.optional}> (optional)</span>}
      </label>
      <Described id={id} hint={hint} errors={errors} />
      <textarea
        id={id}
        name={name}
        rows={rows}
        className={styles.input}
        required={required}
        defaultValue={value}
        key={value}
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy(id, hint, errors)}
      />
    </div>
  );
}

export function SelectField({
  name,
  label,
  hint,
  required,
  defaultValue,
  options,
  placeholder,
}: BaseProps & { options: readonly { value: string; label: string }[]; placeholder?: string }) {
  const id = useId();
  const { errors, value } = useField(name, defaultValue);
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.label}>
        {label}
        {!required && <span className={styles.optional}> (optional)</span>}
      </label>
      <Described id={id} hint={hint} errors={errors} />
      <select
        id={id}
        name={name}
        className={styles.input}
        required={required}
        defaultValue={value ?? ''}
        key={value}
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={describedBy(id, hint, errors)}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function RadioGroupField({
  name,
  label,
  hint,
  required,
  defaultValue,
  options,
}: BaseProps & { options: readonly { value: string; label: string; description?: string }[] }) {
  const id = useId();
  const { errors, value } = useField(name, defaultValue);
  return (
    <fieldset
      className={styles.fieldset}
      aria-invalid={errors.length > 0 || undefined}
      aria-describedby={describedBy(id, hint, errors)}
    >
      <legend className={styles.label}>{label}</legend>
      <Described id={id} hint={hint} errors={errors} />
      <div className={styles.choices} key={value}>
        {options.map((option) => (
          <label key={option.value} className={styles.choice}>
            <input
              type="radio"
              name={name}
              value={option.value}
              defaultChecked={value === option.value}
              required={required}
            />
            <span>
              <span className={styles.choiceLabel}>{option.label}</span>
              {option.description && (
                <span className={styles.choiceHint}>{option.description}</span>
              )}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function CheckboxGroupField({
  name,
  label,
  hint,
  options,
  defaultValues = [],
}: Omit<BaseProps, 'defaultValue'> & {
  options: readonly { value: string; label: string; description?: string }[];
  defaultValues?: readonly string[];
}) {
  const id = useId();
  const { errors } = useField(name);
  return (
    <fieldset className={styles.fieldset} aria-describedby={describedBy(id, hint, errors)}>
      <legend className={styles.label}>{label}</legend>
      <Described id={id} hint={hint} errors={errors} />
      <div className={styles.choices}>
        {options.map((option) => (
          <label key={option.value} className={styles.choice}>
            <input
              type="checkbox"
              name={name}
              value={option.value}
              defaultChecked={defaultValues.includes(option.value)}
            />
            <span>
              <span className={styles.choiceLabel}>{option.label}</span>
              {option.description && (
                <span className={styles.choiceHint}>{option.description}</span>
              )}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** One checkbox that must be ticked (sent as `yes`), e.g. to confirm a change that is hard to undo. */
export function ConfirmCheckboxField({ name, label, hint }: Omit<BaseProps, 'defaultValue'>) {
  const id = useId();
  const { errors } = useField(name);
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.choice}>
        <input
          id={id}
          type="checkbox"
          name={name}
          value="yes"
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={describedBy(id, hint, errors)}
        />
        <span className={styles.choiceLabel}>{label}</span>
      </label>
      <Described id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function HiddenField({ name, value }: { name: string; value: string }) {
  return <input type="hidden" name={name} value={value} />;
}
