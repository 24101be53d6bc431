import { z } from 'zod';

export const responseActionSchema = z.enum(['block_ip', 'suspend_credential']);

export const applyResponseSchema = z.strictObject({
  action: responseActionSchema,
  /** IP/CIDR for block_ip, credential id for suspend_credential; default: taken from the alert. */
  target: z.string().min(1).max(128).optional(),
  minutes: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 60)
    .default(60),
});

/** ALERT_RESPONSES: rule → automatic response when an alert of that rule opens. */
export const autoResponsesSchema = z.record(
  z.string(),
  z.strictObject({ action: responseActionSchema, minutes: z.number().int().min(1).max(43_200) }),
);
export type AutoResponses = z.infer<typeof autoResponsesSchema>;
