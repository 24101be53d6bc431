export { Access } from './access-rules.js';
export type { AccessRule } from './access-rules.js';
export { AuthModule } from './auth.module.js';
export { CurrentPrincipal, CurrentUser, Protected } from './decorators.js';
export { isUser } from './principal.js';
export type { Principal, Role, ServicePrincipal, UserPrincipal } from './principal.js';
