import { connect } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Writes `request` on a new TCP connection to `url`'s host and resolves with the response head's
 * lines, the bytes that followed it and the socket, once `accept(lines)` answers null; rejects
 * with its answer (a reason), a timeout or an early close, and destroys the socket.
 * @param {URL} target
 * @param {string} request
 * @param {(lines: string[]) => string | null} accept
 * @param {number} timeoutMs
 * @returns {Promise<{socket: import('node:net').Socket, lines: string[], rest: Buffer}>}
 */
export function requestHead(target, request, accept, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port || 80) });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no response head within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onEarlyClose);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const refusal = accept(lines);
      if (refusal !== null) return fail(new Error(refusal));
      clearTimeout(timer);
      resolve({ socket, lines, rest: head.subarray(end + HEAD_END.length) });
    };
    const onEarlyClose = () => fail(new Error('connection closed before the response head'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onEarlyClose);
    socket.on('connect', () => socket.write(request));
  });
}
