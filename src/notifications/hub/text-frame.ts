/** RFC 6455 §5.2: the first byte of a final text frame; a server's frames are never masked. */
const FIN_TEXT = 0x81;

/** A complete WebSocket text frame holding `text`, built in one allocation. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  // The payload length takes 7 bits, or 7 + 16, or 7 + 64.
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength);
  return frame;
}
