// Baseline "naive": JSON.stringify and ws.send once per socket, the way most ws servers start.
import { startWireServer } from './wire-server.mjs';

startWireServer((sockets, notification) => {
  for (const ws of sockets) ws.send(JSON.stringify({ event: 'notification', data: notification }));
});
