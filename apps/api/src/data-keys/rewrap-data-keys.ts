// `npm run keys:rewrap`: after a KEK rotation (a new first entry in ENCRYPTION_KEKS, the old one
// kept after it), wraps every data key again with the new KEK, and seals any body still stored in
// clear (rows from before encryption at rest). Safe while everything runs, and to repeat. Needs
// DATABASE_URL and SECRETS_KEY / ENCRYPTION_KEKS as the services have them.
import 'reflect-metadata';
import { configOrExit, readEncryptionKeks, readSecretsKey, readUrl } from '@app/config';
import { LocalKms } from '@app/crypto';
import { openDatabase, rewrapDataKeys, sealPlaintextRows } from '@app/db';

async function main(): Promise<void> {
  const { databaseUrl, keks } = configOrExit((env) => ({
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    keks: readEncryptionKeks(env, readSecretsKey(env)),
  }));
  const kms = new LocalKms(keks);
  const db = await openDatabase(databaseUrl, { poolSize: 2, applicationName: 'sms-rewrap', kms });
  try {
    const { rewrapped } = await rewrapDataKeys(db, kms);
    console.log(`${rewrapped} data key(s) re-wrapped with KEK "${kms.currentKekId}"`);
    const sealed = await sealPlaintextRows(db);
    console.log(`bodies sealed that were stored in clear: ${Object.entries(sealed).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('keys:rewrap failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
