import { databaseEnv, kafkaEnv, loadConfig, serviceEnv, servicePorts } from '@portcullis/config';

export const auditEnv = {
  ...serviceEnv,
  ...databaseEnv,
  ...kafkaEnv,
  AUDIT_PORT: servicePorts.AUDIT_PORT,
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(auditEnv, env);
}
