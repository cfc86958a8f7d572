// A POST/PUT/PATCH with a body must say it is JSON; anything else is answered 415 rather than
// silently parsed as an empty object. A request without a body (e.g. POST …/activate) needs no
// content type. A campaign's recipients may also come as CSV (text/csv), streamed by its service,
// and the OAuth2 token request as a form (application/x-www-form-urlencoded, RFC 6749).
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const CSV_ROUTE = /^\/v1\/campaigns\/[^/]+\/recipients\/?$/;
const TOKEN_ROUTE = /^\/oauth\/token\/?$/;

@Injectable()
export class JsonContentTypeMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const route = req.originalUrl.split('?')[0];
    const otherBodyAllowed = req.method === 'POST' && ((CSV_ROUTE.test(route) && req.is('text/csv')) || (TOKEN_ROUTE.test(route) && req.is('application/x-www-form-urlencoded')));
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json') && !otherBodyAllowed) {
      res.status(415).json({ error: { code: 'unsupported_media_type', message: 'Send the request body as JSON with Content-Type: application/json' } });
      return;
    }
    next();
  }
}
