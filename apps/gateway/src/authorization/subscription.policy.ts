import type { SnapshotStore } from '../config-sync/snapshot-store.js';
import { bearerChallenge } from '../authentication/bearer-jwt.js';
import { Denial } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';

function forbidden(reason: Denial['reason'], detail: string): Denial {
  return new Denial(403, reason, 'forbidden', 'Forbidden', detail);
}

/**
 * The caller's application needs an approved subscription to this API in the credential's
 * environment, and the route's scopes among those it was granted.
 */
export class SubscriptionPolicy {
  constructor(private readonly store: SnapshotStore) {}

  run(context: RequestContext): void {
    const caller = context.caller!;
    const compiled = context.api!;
    const subscription = this.store.subscription(caller.appId, compiled.api.id, caller.environment);
    if (!subscription) {
      const elsewhere = this.store.subscriptionsOf(caller.appId, compiled.api.id).length > 0;
      throw elsewhere
        ? forbidden(
            'wrong_environment',
            `The application has no ${caller.environment} access to this API.`,
          )
        : forbidden('no_subscription', 'The application is not subscribed to this API.');
    }
    if (subscription.status === 'suspended') {
      throw forbidden('subscription_suspended', 'The subscription is suspended.');
    }
    if (subscription.status !== 'approved') {
      throw forbidden('no_subscription', 'The subscription is not approved.');
    }
    context.subscriptionId = subscription.id;
    context.plan = compiled.plans.get(subscription.planId) ?? null;
    // A token's scopes count only while the subscription still grants them.
    const granted = new Set(subscription.scopes);
    context.scopes = caller.tokenScopes
      ? caller.tokenScopes.filter((scope) => granted.has(scope))
      : [...subscription.scopes];
    const required = context.route!.route.requiredScopes;
    const missing = required.filter((scope) => !context.scopes.includes(scope));
    if (missing.length > 0) {
      const detail = `This route needs the scope(s): ${required.join(' ')}.`;
      if (caller.authMethod === 'bearer_jwt') {
        throw bearerChallenge(
          403,
          'insufficient_scope',
          'insufficient_scope',
          detail,
          `, scope="${required.join(' ')}"`,
        );
      }
      throw forbidden('insufficient_scope', detail);
    }
  }
}
