// @Audited(...) on a control-plane route: after the handler succeeds, one audit_events row says
// who (the key and its client address) changed what, with the state before and after as the
// route's reader sees it (read again after the change, so a password or key a route returns
// once never reaches the log; fields named like secrets are dropped as well). A refused or
// failed request changes nothing and records nothing.
import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { AuditRepository, AuthenticatedKey } from '@app/db';
import { sourceAddress } from '@app/egress';

type AuditedRequest = Request & { auth?: AuthenticatedKey };

export interface AuditSpec {
  action: string;
  targetType: string;
  /** `result` is the handler's answer (undefined before it ran): a created thing's id may only be there. */
  targetId: (req: AuditedRequest, result?: unknown) => string | null;
  /** The account the change concerns (default: the caller's). */
  accountId?: (req: AuditedRequest) => string | null;
  /** The target's state as the API shows it; null when it does not exist (yet, or any more). */
  read: (modules: ModuleRef, req: AuditedRequest, result?: unknown) => Promise<unknown>;
}

const AUDIT = 'audit';
const SECRET_FIELD = /password|secret|^key$|hash|token/i;

export const Audited = (spec: AuditSpec) => applyDecorators(SetMetadata(AUDIT, spec), UseInterceptors(AuditInterceptor));

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly modules: ModuleRef,
    private readonly audit: AuditRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec>(AUDIT, context.getHandler());
    const req = context.switchToHttp().getRequest<AuditedRequest>();
    const readNow = (result?: unknown) => spec.read(this.modules, req, result).then(withoutSecrets, () => null);
    return from(readNow()).pipe(
      switchMap((before) =>
        next.handle().pipe(
          switchMap(async (result) => {
            const auth = req.auth!;
            await this.audit.record(
              { accountId: auth.accountId, keyId: auth.keyId, ip: sourceAddress(req.ip ?? req.socket.remoteAddress) },
              {
                action: spec.action,
                targetType: spec.targetType,
                targetId: spec.targetId(req, result),
                accountId: spec.accountId ? spec.accountId(req) : auth.accountId,
                before,
                after: await readNow(result),
              },
            );
            return result;
          }),
        ),
      ),
    );
  }
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value ?? null;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !SECRET_FIELD.test(k)).map(([k, v]) => [k, withoutSecrets(v)]));
}
