type Schema = Record<string, any>;

/**
 * Where `value` breaks `schema` (the JSON Schema subset our OpenAPI and AsyncAPI documents use:
 * $ref, type, nullable, const, enum, pattern, required, properties, additionalProperties,
 * items, oneOf); empty when it conforms. `root` resolves `#/...` references.
 */
export function schemaErrors(value: unknown, schema: Schema, root: Schema, at = '$'): string[] {
  if (schema.$ref) return schemaErrors(value, resolve(schema.$ref, root), root, at);
  if (schema.oneOf) {
    const matching = (schema.oneOf as Schema[]).filter((option) => schemaErrors(value, option, root, at).length === 0);
    return matching.length === 1 ? [] : [`${at}: matches ${matching.length} of the oneOf options`];
  }
  if (schema.nullable && value === null) return [];
  const types: string[] | undefined = schema.type === undefined ? undefined : [schema.type].flat();
  if (types && !types.some((type) => hasType(value, type))) return [`${at}: ${JSON.stringify(value)} is not ${types.join(' or ')}`];
  const errors: string[] = [];
  if ('const' in schema && value !== schema.const) errors.push(`${at}: is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...schemaErrors(item, schema.items, root, `${at}[${i}]`)));
  if (isObject(value)) {
    for (const name of schema.required ?? []) if (!(name in value)) errors.push(`${at}.${name}: is required`);
    const properties: Record<string, Schema> = schema.properties ?? {};
    for (const [name, item] of Object.entries(value)) {
      if (properties[name]) errors.push(...schemaErrors(item, properties[name], root, `${at}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${name}: is not in the schema`);
      else if (isObject(schema.additionalProperties)) errors.push(...schemaErrors(item, schema.additionalProperties, root, `${at}.${name}`));
    }
  }
  return errors;
}

function resolve(ref: string, root: Schema): Schema {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: any, key) => {
      if (node?.[key] === undefined) throw new Error(`unresolvable $ref ${ref}`);
      return node[key];
    }, root);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
