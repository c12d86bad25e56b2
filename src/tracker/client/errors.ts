import { ShoalError } from '../../core/errors.js';

/** An announce or scrape that failed: network error, timeout, bad response or a tracker's failure reason. */
export class TrackerClientError extends ShoalError {
  constructor(message: string, readonly url: string, readonly retryIn?: number) {
    super('ETRACKER', message, { url });
  }
}
