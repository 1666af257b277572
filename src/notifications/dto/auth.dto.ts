import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** `auth {token}`: a fresh JWT for the same user, sent before the current one expires. */
export class AuthDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(16384)
  token: string;
}
