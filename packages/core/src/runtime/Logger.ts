/**
 * The logging interface the engine writes to: a subset of pino's, so the
 * runner can pass a pino logger as it is. The default writes warnings and
 * errors to stderr and drops the rest.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Warnings and errors to stderr, nothing else. */
export const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn(obj, msg) {
    console.warn(`[tributary] ${msg ?? ''}`, obj);
  },
  error(obj, msg) {
    console.error(`[tributary] ${msg ?? ''}`, obj);
  },
};

/** Drops everything (tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
