/** WebSocket close codes of the contract (section 4). */
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_LARGE: 1009,
  INTERNAL: 1011,
  /** A handshake raced past MAX_CONNECTIONS: reconnect in a moment. */
  TRY_AGAIN_LATER: 1013,
  TOKEN_EXPIRED: 4001,
  TOO_SLOW: 4008,
} as const;
