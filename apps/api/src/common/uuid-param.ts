// A path id that must be a UUID: anything else is answered 404 (no such thing) rather than
// reaching PostgreSQL, which would refuse to compare it with a uuid column.
import { NotFoundError, UUID } from '@app/contracts';

export { UUID };

export function uuidParam(id: string, notFoundCode: string): string {
  if (!UUID.test(id)) throw new NotFoundError(notFoundCode, `No ${notFoundCode.replace(/_not_found$/, '').replace(/_/g, ' ')} ${JSON.stringify(id)} in this account`);
  return id;
}
