import { ShoalError, type ErrorContext } from '../../core/errors.js';

/** A tracker server failure with a stable code: ETRACKER_FULL, ETRACKER_CONFIG, ETRACKER_CATALOG, ETRACKER_STORE. */
export class TrackerServerError extends ShoalError {
  constructor(code: 'ETRACKER_FULL' | 'ETRACKER_CONFIG' | 'ETRACKER_CATALOG' | 'ETRACKER_STORE', message: string, context: ErrorContext = {}) {
    super(code, message, context);
  }
}
