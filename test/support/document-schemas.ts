import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

/** Annotations the served documents carry beside JSON Schema's own (OpenAPI 3.0 and AsyncAPI 3 vocabularies). */
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator'];

// A CommonJS module: under NodeNext its default import is the whole module.
const addFormats = ajvFormats.default;

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The schemas of a served OpenAPI or AsyncAPI document, checked with ajv in strict mode: a
 * keyword ajv does not know fails the test instead of being skipped, so every constraint the
 * document states is one a value can break.
 */
export class DocumentSchemas {
  private readonly ajv = new Ajv({ strict: true, allErrors: true, discriminator: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: object) {
    addFormats(this.ajv);
    for (const keyword of ANNOTATIONS) this.ajv.addKeyword({ keyword });
    // The document is not a JSON Schema: its top-level fields (openapi, paths, components...) are
    // annotations to ajv, which compiles only the fragments that `errors` points at.
    for (const field of Object.keys(document)) if (!this.ajv.getKeyword(field)) this.ajv.addKeyword({ keyword: field });
    this.ajv.addSchema(document, 'document', undefined, false);
  }

  /** Where `value` breaks the schema at `pointer` (path segments into the document); empty when it conforms. */
  errors(value: unknown, ...pointer: string[]): string[] {
    const ref = `document#/${pointer.map(escape).join('/')}`;
    let validate = this.compiled.get(ref);
    if (!validate) this.compiled.set(ref, (validate = this.ajv.compile({ $ref: ref })));
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '$'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`);
  }
}
