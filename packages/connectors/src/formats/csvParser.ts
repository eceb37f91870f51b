/**
 * An incremental CSV parser (RFC 4180): text goes in as it arrives, in
 * chunks cut anywhere; complete rows come out. Quoted fields may hold the
 * delimiter, line breaks and doubled quotes. A row that breaks the rules
 * (text after a closing quote, a quote inside an unquoted field, a quote
 * left open at the end) comes out with the reason and its raw text instead
 * of its fields, so a reader can dead-letter it.
 */

/** A parsed row: its fields, or why it is malformed (with its raw text). */
export type CsvRow =
  | { readonly fields: string[]; readonly error?: undefined; readonly raw?: undefined }
  | { readonly fields?: undefined; readonly error: string; readonly raw: string };

const QUOTE = 34; // "
const CR = 13;
const LF = 10;

/** Parser states. */
const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** A quote inside a quoted field: the next character says whether it closes the field or is doubled. */
  QuoteInQuoted: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Parses CSV text incrementally.
 *
 * ```ts
 * const parser = new CsvParser();
 * parser.push('id,name\r\n1,"Smith, ""J');  // [{ fields: ['id', 'name'] }]
 * parser.push('"""\r\n');                   // [{ fields: ['1', 'Smith, "J"'] }]
 * parser.end();                             // []
 * ```
 * Gotchas: empty lines are skipped (a row of one empty field is written
 * `""`); a lone `\r` ends a line like `\n` and `\r\n` do.
 */
export class CsvParser {
  private readonly delimiter: number;
  private state: State = State.FieldStart;
  private fields: string[] = [];
  private field = '';
  private error: string | undefined;
  /** The current row's text from earlier chunks. */
  private raw = '';
  /** The previous chunk ended a row with `\r`: a leading `\n` belongs to it. */
  private skipLf = false;

  constructor(delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new RangeError(`CsvParser: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
    }
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Feeds the next piece of text; returns the rows it completes. */
  push(text: string): CsvRow[] {
    const rows: CsvRow[] = [];
    const delimiter = this.delimiter;
    const n = text.length;
    let i = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (n > 0 && text.charCodeAt(0) === LF) i = 1;
    }
    let rowStart = i;
    /** Start of the run of plain characters not yet added to `field`. */
    let run = i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.Quoted:
          if (c === QUOTE) {
            this.field += text.slice(run, i);
            this.state = State.QuoteInQuoted;
          }
          continue;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            run = i + 1;
            continue;
          }
          if (c !== delimiter && c !== CR && c !== LF) {
            this.error ??= 'text after the closing quote of a field';
            this.state = State.Unquoted;
            run = i;
            continue;
          }
          run = i;
          break;
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            run = i + 1;
            continue;
          }
          run = i;
          if (c !== delimiter && c !== CR && c !== LF) {
            this.state = State.Unquoted;
            continue;
          }
          break;
        case State.Unquoted:
          if (c === QUOTE) this.error ??= 'a quote inside an unquoted field';
          if (c !== delimiter && c !== CR && c !== LF) continue;
          break;
      }
      // c is a delimiter or a line break ending the current field.
      if (this.state === State.Unquoted) this.field += text.slice(run, i);
      const wasQuoted = this.state === State.QuoteInQuoted;
      if (c === delimiter) {
        this.fields.push(this.field);
        this.field = '';
        this.state = State.FieldStart;
        run = i + 1;
        continue;
      }
      const raw = this.raw + text.slice(rowStart, i);
      this.endRow(rows, raw, wasQuoted);
      if (c === CR) {
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) === LF) i++;
        } else {
          this.skipLf = true;
        }
      }
      rowStart = run = i + 1;
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.field += text.slice(run, n);
    this.raw += text.slice(rowStart, n);
    return rows;
  }

  /** Ends the input; returns the last row if the text did not end with a line break. */
  end(): CsvRow[] {
    const rows: CsvRow[] = [];
    if (this.state === State.Quoted) this.error ??= 'a quoted field is not closed at the end of the input';
    const pending = this.fields.length > 0 || this.field.length > 0 || this.state !== State.FieldStart || this.error !== undefined;
    if (pending) this.endRow(rows, this.raw, this.state === State.QuoteInQuoted || this.state === State.Quoted);
    this.raw = '';
    this.skipLf = false;
    return rows;
  }

  private endRow(rows: CsvRow[], raw: string, lastQuoted: boolean): void {
    const empty = this.fields.length === 0 && this.field.length === 0 && !lastQuoted && this.error === undefined;
    this.fields.push(this.field);
    const fields = this.fields;
    const error = this.error;
    this.fields = [];
    this.field = '';
    this.error = undefined;
    this.raw = '';
    this.state = State.FieldStart;
    if (empty) return;
    rows.push(error === undefined ? { fields } : { error, raw });
  }
}
