/**
 * Typed error base. Every error shoal raises on purpose carries a stable `code`
 * (machine-readable, never reworded) and optional context (offset, path, peer…).
 * The CLI prints `message` as one line; nothing a user does should surface a stack.
 */
export interface ErrorContext {
  readonly offset?: number;
  readonly path?: string;
  readonly peer?: string;
  readonly [key: string]: unknown;
}

export class ShoalError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

export function isShoalError(e: unknown): e is ShoalError {
  return e instanceof ShoalError;
}
