import { Logger, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { HandshakeAuthenticator } from './auth/handshake-authenticator.service.js';
import { TokenVerifier } from './auth/token-verifier.service.js';
import { TopicAccess } from './auth/topic-access.service.js';
import { brokerProvider } from './broker/broker.provider.js';
import { NOTIFICATION_BROKER } from './broker/notification-broker.js';
import { ConnectionCommands } from './commands/connection-commands.service.js';
import { CommandRateLimiter } from './gateway/command-rate.limiter.js';
import { ConnectionLimits } from './gateway/connection-limits.service.js';
import { ExceptionReporter } from './gateway/exception-reporter.service.js';
import { NotificationsGateway } from './gateway/notifications.gateway.js';
import { ProtocolExceptionFilter } from './gateway/protocol-exception.filter.js';
import { BodyLimitMiddleware } from './http/body-limit.middleware.js';
import { InboxController } from './http/inbox.controller.js';
import { NotificationsController } from './http/notifications.controller.js';
import { Heartbeat } from './hub/heartbeat.service.js';
import { Hub } from './hub/hub.service.js';
import { SharedReplayReads } from './hub/shared-replay-reads.js';
import { TopicCatchUp } from './hub/topic-catch-up.js';
import { TopicReplay } from './hub/topic-replay.service.js';
import { InboxCommands } from './inbox/inbox-commands.service.js';
import { assertProductionReady, insecureDefaults } from './insecure-defaults.js';
import { NOTIFICATIONS_MODULE_OPTIONS, NOTIFICATIONS_OPTIONS, NotificationsConfigurableModule } from './notifications.module-definition.js';
import { type NotificationsModuleOptions, resolveOptions } from './notifications.options.js';
import { NotificationsService } from './notifications.service.js';
import { HubRelay } from './relay/hub-relay.service.js';
import { PresenceController } from './http/presence.controller.js';
import { Presence } from './presence/presence.service.js';
import { presenceProvider } from './presence/presence.provider.js';
import { PresenceWebhooks } from './webhooks/presence-webhooks.service.js';
import { UnreadEscalation } from './webhooks/unread-escalation.service.js';
import { webhookOutboxProvider } from './webhooks/webhook-outbox.provider.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.service.js';
import { NOTIFICATION_STORE } from './store/notification-store.js';
import { RetentionScheduler } from './store/retention.scheduler.js';
import { EventStreamController } from './sse/event-stream.controller.js';
import { EventStreams } from './sse/event-streams.js';
import { StreamCommandsController } from './sse/stream-commands.controller.js';
import { StreamReplay } from './hub/stream-replay.service.js';
import { storeProvider } from './store/store.provider.js';

/**
 * The notification service as a Nest module: `forRoot(options)` or `forRootAsync(...)`.
 * Registers the WebSocket gateway and the REST controllers, exports NotificationsService,
 * and adds no global pipes, filters or guards to the host.
 */
@Module({
  controllers: [NotificationsController, InboxController, PresenceController, EventStreamController, StreamCommandsController],
  providers: [
    {
      provide: NOTIFICATIONS_OPTIONS,
      inject: [NOTIFICATIONS_MODULE_OPTIONS],
      useFactory: (options: NotificationsModuleOptions) => {
        const resolved = resolveOptions(options);
        assertProductionReady(resolved);
        const logger = new Logger('NotificationsModule');
        for (const line of insecureDefaults(resolved)) logger.warn(`insecure default: ${line}`);
        return resolved;
      },
    },
    storeProvider,
    brokerProvider,
    Hub,
    TopicCatchUp,
    Heartbeat,
    TopicReplay,
    SharedReplayReads,
    TokenVerifier,
    HandshakeAuthenticator,
    TopicAccess,
    ExceptionReporter,
    CommandRateLimiter,
    ConnectionLimits,
    ConnectionCommands,
    StreamReplay,
    EventStreams,
    ProtocolExceptionFilter,
    HubRelay,
    NotificationsService,
    InboxCommands,
    RetentionScheduler,
    NotificationsGateway,
    presenceProvider,
    Presence,
    webhookOutboxProvider,
    WebhookDispatcher,
    PresenceWebhooks,
    UnreadEscalation,
  ],
  exports: [NotificationsService, NOTIFICATIONS_OPTIONS, Hub, NOTIFICATION_STORE, NOTIFICATION_BROKER],
})
export class NotificationsModule extends NotificationsConfigurableModule implements NestModule {
  /** The module's own body limit, whatever the host's HTTP platform and parser settings. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(BodyLimitMiddleware).forRoutes(NotificationsController, InboxController);
  }
}
