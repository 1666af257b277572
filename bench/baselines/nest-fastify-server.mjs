// Reference for REST ingest: Nest on Fastify with one controller that answers `POST /notifications`
// with 202 and an id, validating and storing nothing. It shows what the framework costs before
// the service does any work, next to the node:http floor of the `http-sqlite` baseline.
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const epoch = Date.now().toString(36);
let lastSeq = 0;

class NotificationsController {
  publish(body) {
    return { notifications: [{ id: `${epoch}-${++lastSeq}`, topic: body?.topic ?? 'broadcast' }] };
  }
}
const publish = Object.getOwnPropertyDescriptor(NotificationsController.prototype, 'publish');
Reflect.decorate([Post('notifications'), HttpCode(202)], NotificationsController.prototype, 'publish', publish);
Body()(NotificationsController.prototype, 'publish', 0);
Reflect.decorate([Controller()], NotificationsController);

class AppModule {}
Reflect.decorate([Module({ controllers: [NotificationsController] })], AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter({ bodyLimit: 64 * 1024 }), { logger: false });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
