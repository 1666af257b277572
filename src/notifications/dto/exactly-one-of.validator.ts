import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Class decorator: exactly one of `properties` must be present. Errors are reported under
 * `field`, a name for the choice (it is not itself a property clients may send).
 */
export function ExactlyOneOf(field: string, properties: string[]): ClassDecorator {
  return (target) =>
    registerDecorator({
      name: 'exactlyOneOf',
      target,
      propertyName: field,
      options: { message: `exactly one of ${properties.join(', ')} is required` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value === undefined &&
          properties.filter((p) => (args.object as Record<string, unknown>)[p] !== undefined).length === 1,
      },
    });
}
