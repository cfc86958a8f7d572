// Lets the Temporal Web UI reach the codec endpoint from its own origin: CORS for the origins in
// CODEC_CORS_ORIGINS (preflights answered here), and the session cookie of POST /v1/codec/session
// taken as the Authorization header when none is sent, so the guard authenticates it as any key.
import type { NextFunction, Request, Response } from 'express';

export const CODEC_SESSION_COOKIE = 'codec_session';
export const CODEC_SESSION_SECONDS = 8 * 3600;

export function codecMiddleware(allowedOrigins: string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('access-control-allow-methods', 'POST');
        res.setHeader('access-control-allow-headers', 'authorization, content-type, x-namespace');
        res.setHeader('access-control-max-age', '600');
        res.status(204).end();
        return;
      }
    }
    if (!req.headers.authorization && /^\/(decode|encode)\/?$/.test(req.path)) {
      const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).find((c) => c.startsWith(`${CODEC_SESSION_COOKIE}=`));
      const key = cookie?.slice(CODEC_SESSION_COOKIE.length + 1);
      if (key) req.headers.authorization = `Bearer ${decodeURIComponent(key)}`;
    }
    next();
  };
}
