/** WebSocket close codes of the contract (section 4), with what each tells the client. */
export const CloseCode = {
  /** Server shutting down: reconnect (to another instance) and recover with `since`. */
  GOING_AWAY: 1001,
  /** Policy: too many bad frames, or too many connections for the user. */
  POLICY: 1008,
  /** A frame over MAX_PAYLOAD_BYTES. */
  TOO_LARGE: 1009,
  /** Internal error while setting up the connection. */
  INTERNAL: 1011,
  /** A handshake raced past MAX_CONNECTIONS: reconnect in a moment. */
  TRY_AGAIN_LATER: 1013,
  /** The token expired or does not verify: get a new one first. */
  TOKEN_EXPIRED: 4001,
  /** Unsent bytes passed MAX_BUFFERED_BYTES: reconnect and recover with `since`. */
  TOO_SLOW: 4008,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];
