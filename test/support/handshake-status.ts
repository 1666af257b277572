import { HandshakeRejected } from './ws-client.js';

/** The HTTP status a refused handshake got; fails when the handshake was accepted. */
export const refusalStatus = (opening: Promise<unknown>): Promise<number> =>
  opening.then(
    () => {
      throw new Error('handshake was accepted');
    },
    (error: unknown) => {
      if (error instanceof HandshakeRejected) return error.status;
      throw error;
    },
  );
