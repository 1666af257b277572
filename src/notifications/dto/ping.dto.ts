/** `ping {}`: no fields; unknown ones are refused. */
export class PingDto {}
