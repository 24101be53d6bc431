export {
  buildEvent,
  defineEventSchema,
  eventEnvelopeSchema,
  eventSourceSchema,
  newEventId,
  traceIdSchema,
} from './envelope.js';
export type { EventEnvelope, EventInit, EventSource } from './envelope.js';

export {
  accessDecisionSchema,
  accessEventDataSchema,
  accessEventSchema,
  accessReasonSchema,
  authMethodSchema,
  environmentSchema,
} from './access-event.js';
export type {
  AccessDecision,
  AccessEvent,
  AccessEventData,
  AccessReason,
  AuthMethod,
  Environment,
} from './access-event.js';

export {
  actorSchema,
  managementActionSchema,
  managementEventDataSchema,
  managementEventSchema,
} from './management-event.js';
export type {
  Actor,
  ManagementAction,
  ManagementEvent,
  ManagementEventData,
} from './management-event.js';

export {
  alertEventDataSchema,
  alertEventSchema,
  alertRuleSchema,
  alertSeveritySchema,
  alertStatusSchema,
} from './alert-event.js';
export type {
  AlertEvent,
  AlertEventData,
  AlertRule,
  AlertSeverity,
  AlertStatus,
} from './alert-event.js';

export {
  configChangeEventDataSchema,
  configChangeEventSchema,
  configChangeKindSchema,
} from './config-change-event.js';
export type {
  ConfigChangeEvent,
  ConfigChangeEventData,
  ConfigChangeKind,
} from './config-change-event.js';

export { TOPICS, TOPIC_SPECS } from './topics.js';
export type { TopicName, TopicSpec } from './topics.js';

export { auditCheckpointEventSchema, auditCheckpointSchema } from './audit-checkpoint-event.js';
export type { AuditCheckpoint, AuditCheckpointEvent } from './audit-checkpoint-event.js';

export { parseEvent } from './parse-event.js';
export type { KnownEvent, ParseEventResult } from './parse-event.js';

export {
  accessTokenClaimsSchema,
  apiAudience,
  gatewayApiSchema,
  gatewayApiSettingsSchema,
  gatewayApplicationSchema,
  gatewayAuthMethodSchema,
  gatewayCredentialSchema,
  gatewayPlanSchema,
  gatewayRouteSchema,
  gatewaySnapshotSchema,
  gatewaySubscriptionSchema,
} from './gateway-snapshot.js';
export type {
  AccessTokenClaims,
  GatewayApi,
  GatewayApiSettings,
  GatewayApplication,
  GatewayAuthMethod,
  GatewayCredential,
  GatewayPlan,
  GatewayRoute,
  GatewaySnapshot,
  GatewaySubscription,
} from './gateway-snapshot.js';
