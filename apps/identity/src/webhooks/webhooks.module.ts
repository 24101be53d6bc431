import { Global, Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Global()
@Module({
  controllers: [WebhooksController],
  providers: [WebhookDispatcher, WebhooksService],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
