import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the REST API's OpenAPI document at `/docs-json` and its UI at `/docs`; call before listen.
 * The UI's assets need @fastify/static: where it cannot load (Jest's CommonJS loader cannot
 * require the ESM-only packages it uses) only the document is served, rather than the process
 * exiting, which is what Nest does when the package is missing.
 */
export async function setUpOpenApi(app: INestApplication): Promise<void> {
  const ui = await import('@fastify/static').then(
    () => true,
    () => false,
  );
  const config = new DocumentBuilder()
    .setTitle('Notifications')
    .setDescription(
      'Publish notifications and read inboxes and topic history. Clients receive them over the WebSocket ' +
        'protocol described at `/asyncapi.json`. The notification routes need `Authorization: Bearer <API_KEY>` ' +
        'when API_KEY is set; the operations routes need nothing.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The API_KEY of the service.' })
    .addTag('notifications', 'Publish, and read topic history.')
    .addTag('inbox', "A user's inbox.")
    .addTag('operations', 'Health probes, metrics and the WebSocket protocol document.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A user's JWT, as at the WebSocket handshake." }, 'userToken')
    .addSecurity('accessToken', { type: 'apiKey', in: 'query', name: 'access_token', description: "A user's JWT as a query parameter, for EventSource." })
    .addTag('sse', 'Server-Sent Events: the stream, and the commands of its client. With the identity of a user, not the API key.')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json', ui });
}
