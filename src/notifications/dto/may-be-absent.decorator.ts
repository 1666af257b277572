import { ValidateIf } from 'class-validator';

/**
 * An optional field: left out, it is not validated; present, its rules apply, to `null` too.
 * class-validator's @IsOptional skips `null` as well, which let `{all: null}` or
 * `{broadcast: null}` past the rules of a field they then counted as sent.
 */
export const MayBeAbsent = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);
