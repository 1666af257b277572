import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NotificationsWsAdapter } from 'nest-notifications';

/** What any host does after creating its app: the module's WebSocket adapter, its API document, listen. */
export async function serve(app: INestApplication): Promise<void> {
  app.useWebSocketAdapter(new NotificationsWsAdapter(app));
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('host').build()), { ui: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('listening\n');
}
