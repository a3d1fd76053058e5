// Protobuf text format tokenizer. Produces identifiers, numbers, strings (escapes decoded,
// adjacent literals are joined by the parser) and single-character symbols, each with the
// 1-based line and column where it starts. `#` starts a comment that runs to the end of line.
import { LarchError } from '../../protocol/errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'symbol' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident: the name; number: the literal as written; string: the decoded value; symbol: the char. */
  text: string;
  line: number;
  column: number;
}

/** Where a parse error is reported: "file:line:column: message". */
export function syntaxError(file: string, line: number, column: number, message: string): LarchError {
  return new LarchError('INVALID_ARGUMENT', `${file}:${line}:${column}: ${message}`);
}

const symbols = new Set(['{', '}', '<', '>', '[', ']', ':', ',', ';', '-']);
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || (c >= '0' && c <= '9');
const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

const simpleEscapes: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v',
  '\\': '\\', "'": "'", '"': '"', '?': '?',
};

export class Tokenizer {
  readonly #src: string;
  readonly #file: string;
  #pos = 0;
  #line = 1;
  #lineStart = 0;

  constructor(src: string, file: string) {
    this.#src = src;
    this.#file = file;
  }

  /** Every token of the input, ending with one 'eof' token. */
  static tokenize(src: string, file: string): Token[] {
    const t = new Tokenizer(src, file);
    const out: Token[] = [];
    for (;;) {
      const tok = t.next();
      out.push(tok);
      if (tok.kind === 'eof') return out;
    }
  }

  #error(message: string, pos = this.#pos): LarchError {
    return syntaxError(this.#file, this.#line, pos - this.#lineStart + 1, message);
  }

  #skipSpaceAndComments(): void {
    const s = this.#src;
    while (this.#pos < s.length) {
      const c = s[this.#pos]!;
      if (c === '\n') {
        this.#pos++;
        this.#line++;
        this.#lineStart = this.#pos;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.#pos++;
      } else if (c === '#') {
        while (this.#pos < s.length && s[this.#pos] !== '\n') this.#pos++;
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.#skipSpaceAndComments();
    const s = this.#src;
    const start = this.#pos;
    const line = this.#line;
    const column = start - this.#lineStart + 1;
    if (start >= s.length) return { kind: 'eof', text: '', line, column };
    const c = s[start]!;
    if (isIdentStart(c)) {
      let end = start + 1;
      while (end < s.length && isIdentPart(s[end]!)) end++;
      this.#pos = end;
      return { kind: 'ident', text: s.slice(start, end), line, column };
    }
    if (isDigit(c) || (c === '.' && start + 1 < s.length && isDigit(s[start + 1]!))) {
      return { kind: 'number', text: this.#number(), line, column };
    }
    if (c === '"' || c === "'") return { kind: 'string', text: this.#string(c), line, column };
    if (symbols.has(c)) {
      this.#pos++;
      return { kind: 'symbol', text: c, line, column };
    }
    throw this.#error(`unexpected character ${JSON.stringify(c)}`);
  }

  // Numbers: decimal, hex (0x..), octal (0..) integers; floats with '.', exponent and an
  // optional f/F suffix. The literal is returned as written; the parser converts it per field.
  #number(): string {
    const s = this.#src;
    const start = this.#pos;
    let end = start;
    if (s[end] === '0' && (s[end + 1] === 'x' || s[end + 1] === 'X')) {
      end += 2;
      const digits = end;
      while (end < s.length && isHex(s[end]!)) end++;
      if (end === digits) throw this.#error('hexadecimal number has no digits', start);
    } else {
      while (end < s.length && isDigit(s[end]!)) end++;
      if (s[end] === '.') {
        end++;
        while (end < s.length && isDigit(s[end]!)) end++;
      }
      if (s[end] === 'e' || s[end] === 'E') {
        let e = end + 1;
        if (s[e] === '+' || s[e] === '-') e++;
        if (!isDigit(s[e] ?? '')) throw this.#error('exponent has no digits', start);
        while (e < s.length && isDigit(s[e]!)) e++;
        end = e;
      }
      if (s[end] === 'f' || s[end] === 'F') end++;
    }
    if (end < s.length && (isIdentPart(s[end]!) || s[end] === '.')) {
      throw this.#error(`malformed number ${JSON.stringify(s.slice(start, end + 1))}`, start);
    }
    this.#pos = end;
    return s.slice(start, end);
  }

  // Decodes one quoted literal. Escapes: \n \t \r \a \b \f \v \\ \' \" \?, octal \NNN (a byte),
  // \xHH (a byte), \uXXXX and \UXXXXXXXX (code points). Bytes from octal/hex escapes are
  // collected and decoded as UTF-8 together with the literal's plain characters.
  #string(quote: string): string {
    const s = this.#src;
    const start = this.#pos;
    let i = start + 1;
    const bytes: number[] = [];
    const pushText = (text: string) => { for (const b of Buffer.from(text, 'utf8')) bytes.push(b); };
    for (;;) {
      if (i >= s.length || s[i] === '\n') throw this.#error('string literal is not terminated', start);
      const c = s[i]!;
      if (c === quote) { i++; break; }
      if (c !== '\\') {
        const cp = s.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        pushText(ch);
        i += ch.length;
        continue;
      }
      const e = s[i + 1];
      if (e === undefined) throw this.#error('string literal is not terminated', start);
      if (e in simpleEscapes) { pushText(simpleEscapes[e]!); i += 2; continue; }
      if (e >= '0' && e <= '7') {
        let j = i + 1;
        let v = 0;
        while (j < i + 4 && s[j]! >= '0' && s[j]! <= '7') { v = v * 8 + (s.charCodeAt(j) - 48); j++; }
        if (v > 255) throw this.#error(`octal escape \\${s.slice(i + 1, j)} is larger than a byte`, i);
        bytes.push(v);
        i = j;
        continue;
      }
      if (e === 'x' || e === 'X') {
        let j = i + 2;
        while (j < i + 4 && isHex(s[j] ?? '')) j++;
        if (j === i + 2) throw this.#error('\\x escape has no hex digits', i);
        bytes.push(parseInt(s.slice(i + 2, j), 16));
        i = j;
        continue;
      }
      if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + n);
        if (hex.length !== n || ![...hex].every(isHex)) {
          throw this.#error(`\\${e} escape needs ${n} hex digits`, i);
        }
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          throw this.#error(`\\${e}${hex} is not a valid Unicode code point`, i);
        }
        pushText(String.fromCodePoint(cp));
        i += 2 + n;
        continue;
      }
      throw this.#error(`unknown escape \\${e}`, i);
    }
    this.#pos = i;
    return Buffer.from(bytes).toString('utf8');
  }
}
