// Protobuf text format parser driven by a MessageSchema. Accepts what protobuf's own text parser
// accepts for the field types used here: `name: value` scalars, messages as `name { ... }`,
// `name: { ... }` or `name < ... >`, repeated fields as repeated entries or `name: [a, b]`, maps as
// repeated `{ key: .. value: .. }` entries, enums by name or number, adjacent string literals
// joined, integers in decimal, hex and octal, floats with inf/nan, `,` or `;` after any field.
// Unknown fields, repeated non-repeated fields and two members of one oneof are errors, each
// reported as "file:line:column: message".
import { type Token, Tokenizer, syntaxError } from './tokenizer.js';
import {
  type FieldSchema, type FieldType, type JsonObject, type MessageSchema,
  integerJson, integerRange, setOwn, suggestion,
} from './schema.js';

const closerOf: Record<string, string> = { '{': '}', '<': '>' };

/** Parses `src` as a text-format `schema` message; returns its JSON form. */
export function parseTextFormat(src: string, file: string, schema: MessageSchema): JsonObject {
  return new Parser(Tokenizer.tokenize(src, file), file).parseTop(schema);
}

class Parser {
  readonly #toks: Token[];
  readonly #file: string;
  #i = 0;

  constructor(toks: Token[], file: string) {
    this.#toks = toks;
    this.#file = file;
  }

  #peek(): Token { return this.#toks[this.#i]!; }
  #take(): Token { return this.#toks[this.#i++]!; }
  #error(tok: Token, message: string) { return syntaxError(this.#file, tok.line, tok.column, message); }
  #isSymbol(text: string, tok = this.#peek()) { return tok.kind === 'symbol' && tok.text === text; }
  #trySymbol(text: string): boolean {
    if (!this.#isSymbol(text)) return false;
    this.#i++;
    return true;
  }
  #describe(tok: Token): string {
    if (tok.kind === 'eof') return 'end of file';
    if (tok.kind === 'string') return `string ${JSON.stringify(tok.text)}`;
    return `"${tok.text}"`;
  }
  #expectSymbol(text: string, what: string): Token {
    const tok = this.#take();
    if (!this.#isSymbol(text, tok)) throw this.#error(tok, `expected "${text}" ${what}, found ${this.#describe(tok)}`);
    return tok;
  }

  parseTop(schema: MessageSchema): JsonObject {
    const obj = this.#parseFields(schema, undefined);
    return obj;
  }

  /** Fields until `closer` (or end of input when undefined). `open` is the opening token. */
  #parseFields(schema: MessageSchema, closer: string | undefined, open?: Token): JsonObject {
    const obj: JsonObject = {};
    const oneofSet = new Map<string, string>();
    for (;;) {
      const tok = this.#peek();
      if (tok.kind === 'eof') {
        if (closer === undefined) return obj;
        throw this.#error(tok, `expected "${closer}" to close the ${schema.name} opened at line ${open!.line} column ${open!.column}, found end of file`);
      }
      if (closer !== undefined && this.#isSymbol(closer)) {
        this.#i++;
        return obj;
      }
      this.#parseField(schema, obj, oneofSet);
      if (!this.#trySymbol(',')) this.#trySymbol(';');
    }
  }

  #parseField(schema: MessageSchema, obj: JsonObject, oneofSet: Map<string, string>): void {
    const nameTok = this.#take();
    if (this.#isSymbol('[', nameTok)) {
      throw this.#error(nameTok, `extension and Any fields ("[...]") are not supported in ${schema.name}`);
    }
    if (nameTok.kind !== 'ident') {
      throw this.#error(nameTok, `expected a field name of ${schema.name}, found ${this.#describe(nameTok)}`);
    }
    const name = nameTok.text;
    const field = Object.prototype.hasOwnProperty.call(schema.fields, name) ? schema.fields[name] : undefined;
    if (!field) {
      throw this.#error(nameTok, `unknown field "${name}" in ${schema.name}${suggestion(name, Object.keys(schema.fields))}`);
    }
    if (!field.repeated && field.type !== 'map' && obj[name] !== undefined) {
      throw this.#error(nameTok, `field "${name}" of ${schema.name} is not repeated but is set more than once`);
    }
    if (field.oneof) {
      const other = oneofSet.get(field.oneof);
      if (other !== undefined && other !== name) {
        throw this.#error(nameTok, `field "${name}" cannot be set together with "${other}": both belong to oneof "${field.oneof}" of ${schema.name}`);
      }
      oneofSet.set(field.oneof, name);
    }
    const isMessageLike = field.type === 'message' || field.type === 'map';
    const colon = this.#trySymbol(':');
    if (!colon && !isMessageLike) {
      throw this.#error(this.#peek(), `expected ":" after field "${name}", found ${this.#describe(this.#peek())}`);
    }
    if (this.#isSymbol('[')) {
      const open = this.#take();
      if (!field.repeated && field.type !== 'map') {
        throw this.#error(open, `field "${name}" of ${schema.name} is not repeated: a list "[...]" is not allowed`);
      }
      if (this.#trySymbol(']')) {
        if (field.type !== 'map') obj[name] ??= [];
        return;
      }
      for (;;) {
        this.#store(field, name, obj, this.#parseValue(field, name));
        if (this.#trySymbol(']')) return;
        this.#expectSymbol(',', `or "]" in the list of "${name}"`);
      }
    }
    this.#store(field, name, obj, this.#parseValue(field, name));
  }

  #store(field: FieldSchema, name: string, obj: JsonObject, value: unknown): void {
    if (field.type === 'map') {
      const entry = value as { key: string; value: unknown };
      const m = (obj[name] ??= {}) as JsonObject;
      setOwn(m, entry.key, entry.value);
    } else if (field.repeated) {
      ((obj[name] ??= []) as unknown[]).push(value);
    } else {
      obj[name] = value;
    }
  }

  #parseValue(field: FieldSchema, name: string): unknown {
    if (field.type === 'message') return this.#parseMessage(field.message());
    if (field.type === 'map') return this.#parseMapEntry(field, name);
    return this.#parseScalar(field, name);
  }

  #parseMessage(schema: MessageSchema): JsonObject {
    const open = this.#take();
    const closer = open.kind === 'symbol' ? closerOf[open.text] : undefined;
    if (!closer) throw this.#error(open, `expected "{" or "<" to start a ${schema.name}, found ${this.#describe(open)}`);
    return this.#parseFields(schema, closer, open);
  }

  // A map entry is a message with `key` and `value`; a missing key or value takes its default.
  #parseMapEntry(field: Extract<FieldType, { type: 'map' }>, name: string): { key: string; value: unknown } {
    const entrySchema: MessageSchema = {
      name: `${name} entry`,
      fields: { key: { type: field.key }, value: field.value },
    };
    const entry = this.#parseMessage(entrySchema);
    const key = entry.key === undefined ? (field.key === 'string' ? '' : '0') : String(entry.key);
    let value = entry.value;
    if (value === undefined) {
      value = field.value.type === 'message' ? {}
        : field.value.type === 'string' ? ''
        : field.value.type === 'bool' ? false
        : field.value.type === 'enum' ? field.value.enum.values[0] : 0;
    }
    return { key, value };
  }

  #parseScalar(field: FieldSchema, name: string): unknown {
    const first = this.#peek();
    switch (field.type) {
      case 'string': {
        const tok = this.#take();
        if (tok.kind !== 'string') throw this.#error(tok, `field "${name}" expects a string, found ${this.#describe(tok)}`);
        let text = tok.text;
        while (this.#peek().kind === 'string') text += this.#take().text;
        return text;
      }
      case 'bool': {
        const tok = this.#take();
        if (tok.kind === 'ident' && ['true', 'True', 't'].includes(tok.text)) return true;
        if (tok.kind === 'ident' && ['false', 'False', 'f'].includes(tok.text)) return false;
        if (tok.kind === 'number' && (tok.text === '1' || tok.text === '0')) return tok.text === '1';
        throw this.#error(tok, `field "${name}" expects true or false, found ${this.#describe(tok)}`);
      }
      case 'enum': {
        const negative = this.#trySymbol('-');
        const tok = this.#take();
        if (tok.kind === 'ident' && !negative) {
          if (field.enum.values.includes(tok.text)) return tok.text;
          throw this.#error(tok, `unknown value "${tok.text}" for enum ${field.enum.name} of field "${name}"` +
            `${suggestion(tok.text, field.enum.values)}; expected one of ${field.enum.values.join(', ')}`);
        }
        if (tok.kind === 'number') {
          const n = this.#integer(tok, negative, name);
          if (n >= 0n && n < BigInt(field.enum.values.length)) return field.enum.values[Number(n)];
          throw this.#error(tok, `${negative ? '-' : ''}${tok.text} is not a value of enum ${field.enum.name} (field "${name}")`);
        }
        throw this.#error(tok, `field "${name}" expects a ${field.enum.name} value, found ${this.#describe(tok)}`);
      }
      case 'float': case 'double': {
        const negative = this.#trySymbol('-');
        const tok = this.#take();
        if (tok.kind === 'ident') {
          const lower = tok.text.toLowerCase();
          if (lower === 'inf' || lower === 'infinity') return negative ? '-Infinity' : 'Infinity';
          if (lower === 'nan') return 'NaN';
        }
        if (tok.kind !== 'number') throw this.#error(tok, `field "${name}" expects a number, found ${this.#describe(tok)}`);
        let v: number;
        if (/^0[xX]/.test(tok.text)) v = Number(BigInt(tok.text));
        else v = Number(tok.text.replace(/[fF]$/, ''));
        if (!Number.isFinite(v)) return negative ? '-Infinity' : 'Infinity';
        return negative ? -v : v;
      }
      default: {
        const negative = this.#trySymbol('-');
        const tok = this.#take();
        if (tok.kind !== 'number') {
          throw this.#error(tok, `field "${name}" expects an integer, found ${this.#describe(tok)}`);
        }
        const n = this.#integer(tok, negative, name);
        const [lo, hi] = integerRange[field.type]!;
        if (n < lo || n > hi) throw this.#error(first, `${n} is out of range for field "${name}" (${field.type})`);
        return integerJson(n, field.jsonString);
      }
    }
  }

  /** An integer literal (decimal, 0x hex, 0 octal) as BigInt; floats are rejected. */
  #integer(tok: Token, negative: boolean, name: string): bigint {
    const t = tok.text;
    let n: bigint;
    if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = BigInt(t);
    else if (/^0[0-7]+$/.test(t)) n = BigInt(`0o${t.slice(1)}`);
    else if (/^(0|[1-9][0-9]*)$/.test(t)) n = BigInt(t);
    else throw this.#error(tok, `field "${name}" expects an integer, found ${this.#describe(tok)}`);
    return negative ? -n : n;
  }
}
