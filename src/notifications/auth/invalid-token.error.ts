/** The token does not verify: bad signature, expired, wrong issuer or audience, or claims out of bounds. */
export class InvalidTokenError extends Error {}
