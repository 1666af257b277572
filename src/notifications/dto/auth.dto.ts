import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { AuthData } from '../protocol/frames.js';

/** `auth {token}`: a fresh JWT for the same user, sent before the current one expires. */
export class AuthDto implements AuthData {
  @IsString()
  @IsNotEmpty()
  @MaxLength(16384)
  token: string;
}
