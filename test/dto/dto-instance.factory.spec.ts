import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Exclude, Expose, Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { toDtoInstance } from '../../src/notifications/dto/dto-instance.factory.js';

class PlainDto {
  @IsString()
  name: string;

  @IsOptional()
  @IsInt()
  limit: number = 50;
}

class TypedDto {
  @IsInt()
  @Type(() => Number)
  limit: number;
}

class TransformedDto {
  @IsString()
  @Transform(({ value }: { value: string }) => value.trim())
  name: string;
}

class ParentDto {
  @IsString()
  @Transform(({ value }: { value: string }) => value.toUpperCase())
  code: string;
}
class ChildDto extends ParentDto {}

@Exclude()
class ExposedDto {
  @Expose()
  @IsString()
  name: string;
}

describe('toDtoInstance', () => {
  it('gives a DTO without class-transformer decorators its class, field defaults and the given fields', () => {
    const dto = toDtoInstance(PlainDto, { name: 'a', extra: 1 });
    expect(dto).toBeInstanceOf(PlainDto);
    expect({ ...dto }).toEqual({ name: 'a', limit: 50, extra: 1 });
  });

  it('runs @Type and @Transform, also when an ancestor declares them', () => {
    expect(toDtoInstance(TypedDto, { limit: '7' })).toEqual(Object.assign(new TypedDto(), { limit: 7 }));
    expect(toDtoInstance(TransformedDto, { name: '  a ' })).toEqual(Object.assign(new TransformedDto(), { name: 'a' }));
    expect(toDtoInstance(ChildDto, { code: 'ab' })).toEqual(Object.assign(new ChildDto(), { code: 'AB' }));
  });

  it('honours @Exclude and @Expose', () => {
    expect({ ...toDtoInstance(ExposedDto, { name: 'a', other: 1 }) }).toEqual({ name: 'a' });
  });
});
