import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

/** Where a request came from, for management events (never secrets). */
export interface RequestMeta {
  sourceIp: string | null;
  userAgent: string | null;
}

export const CurrentRequestMeta = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestMeta => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const userAgent = request.headers['user-agent'];
    return {
      sourceIp: request.ip ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 1024) : null,
    };
  },
);

/** The audit-trail actor for a principal. */
export function actorOf(principal: Principal): Actor {
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId, label: principal.email }
    : { type: 'service', id: principal.service, label: principal.service };
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'portcullis' };
