import { ApiProperty } from '@nestjs/swagger';

/** Answer of `GET /presence`. */
export class PresenceDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'boolean' },
    description: 'Each requested user id: true while the user has an open connection on any instance.',
    example: { alice: true, bob: false },
  })
  online!: Record<string, boolean>;
}
