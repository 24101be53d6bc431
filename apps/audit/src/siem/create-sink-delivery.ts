import type { Kafka } from 'kafkajs';
import { OcsfKafkaSink } from './ocsf-kafka-sink.js';
import type { ResolvedSink } from './sink-config.js';
import type { SinkDelivery } from './sink-delivery.js';
import { SplunkHecSink } from './splunk-hec-sink.js';
import { SyslogSink } from './syslog-sink.js';
import { WebhookSink } from './webhook-sink.js';

export function createSinkDelivery(sink: ResolvedSink, kafka: Kafka): SinkDelivery {
  switch (sink.kind) {
    case 'syslog_cef':
      return new SyslogSink('cef', sink.config, sink.secret);
    case 'syslog_leef':
      return new SyslogSink('leef', sink.config, sink.secret);
    case 'splunk_hec':
      return new SplunkHecSink(sink.config, sink.secret);
    case 'ocsf_kafka':
      return new OcsfKafkaSink(kafka, sink.config);
    case 'webhook':
      return new WebhookSink(sink.config, sink.secret);
  }
}
