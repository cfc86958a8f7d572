// LISTEN on a PostgreSQL channel with its own connection, reconnecting when the connection is
// lost (the callers also poll, so a notification missed meanwhile only costs their poll interval).
import { Client as PgClient } from 'pg';

export interface NotificationListener {
  close(): Promise<void>;
}

export async function listenForNotifications(options: {
  databaseUrl: string;
  channel: string;
  applicationName: string;
  onNotify: (payload: string) => void;
  /** The connection was lost; a new one is tried every `retryMs`. */
  onLost: (err: Error) => void;
  /** Listening (again): notifications from here on arrive; those sent while it was lost did not. */
  onReady?: () => void;
  retryMs?: number;
}): Promise<NotificationListener> {
  let closed = false;
  let client: PgClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new PgClient({ connectionString: options.databaseUrl, application_name: options.applicationName });
    next.on('notification', (n) => options.onNotify(n.payload ?? ''));
    next.on('error', (err) => {
      options.onLost(err);
      void next.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => void connect().catch((e: Error) => next.emit('error', e)), options.retryMs ?? 1000);
    });
    await next.connect();
    await next.query(`LISTEN ${options.channel}`);
    client = next;
    options.onReady?.();
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
