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
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json', ui });
}
