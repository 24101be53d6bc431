export { createService, requestIdFor, startService } from './bootstrap-service.js';
export type { RequestInterceptor, ServiceOptions } from './bootstrap-service.js';
export { HealthController, READINESS_CHECKS } from './health.controller.js';
export type { ReadinessCheck } from './health.controller.js';
export { ProblemException, problemType, problems } from './problem-details.js';
export type { ProblemDetails } from './problem-details.js';
export { ProblemDetailsFilter } from './problem-details.filter.js';
export { ZodValidationPipe } from './zod-body.js';
export {
  CONFIG,
  EVENT_PRODUCER,
  KAFKA,
  LOGGER,
  PLATFORM_READINESS_CHECKS,
  PlatformModule,
  PRISMA,
} from './platform.module.js';
export type { PlatformOptions } from './platform.module.js';
