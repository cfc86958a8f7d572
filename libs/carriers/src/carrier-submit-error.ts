import type { ClassifiedError } from '@app/domain';

/** A carrier did not take a message; `error` says why in our taxonomy (libs/domain/src/error-taxonomy.ts). */
export class CarrierSubmitError extends Error {
  constructor(
    readonly error: ClassifiedError,
    message: string,
  ) {
    super(message);
    this.name = 'CarrierSubmitError';
  }
}
