// Baseline "preframed": serialize and frame once, write the same buffer to every socket,
// and close (4008) a socket whose unsent bytes pass the limit instead of buffering without bound.
import { deliverPreframed } from './preframed-delivery.mjs';
import { startWireServer } from './wire-server.mjs';

startWireServer(deliverPreframed);
