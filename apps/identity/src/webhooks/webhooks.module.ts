import { Global, Module } from '@nestjs/common';
import { WebhookDeliveryWorker } from './webhook-delivery-worker.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookUrlGuard } from './webhook-url-guard.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Global()
@Module({
  controllers: [WebhooksController],
  providers: [WebhookDispatcher, WebhookDeliveryWorker, WebhookUrlGuard, WebhooksService],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
