import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One bad field of a request and what is wrong with it. */
export class FieldErrorDto {
  @ApiProperty({ example: 'type' })
  field: string;

  @ApiProperty({ type: [String], example: ['type must match ^[A-Za-z0-9_.:-]{1,64}$'] })
  messages: string[];
}

/** The body of every REST error answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiPropertyOptional({ example: 'Unauthorized', description: 'The HTTP reason phrase.' })
  error?: string;

  @ApiProperty({ example: 'missing or wrong API key' })
  message: string;
}

/** A 400: `errors` lists each bad field of the body, query or path. */
export class BadRequestResponseDto extends ErrorResponseDto {
  @ApiPropertyOptional({
    type: [FieldErrorDto],
    description: 'One entry per bad field; absent when the request was well-formed but refers to something impossible (a cursor this service never issued).',
  })
  errors?: FieldErrorDto[];
}
