// `npm run bootstrap -- <account name> [--operator]`: creates an account and prints its API key
// once (scopes messages, smpp and keys); --operator also lets the key manage carriers and routes.
// Needs DATABASE_URL (the launcher passes it; see README).
import 'reflect-metadata';
import { configOrExit, readUrl } from '@app/config';
import { AccountRepository, openDatabase } from '@app/db';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const operator = args.includes('--operator');
  const name = args.find((a) => !a.startsWith('--'))?.trim();
  if (!name) {
    console.error('usage: npm run bootstrap -- "<account name>" [--operator]');
    process.exit(64);
  }
  const databaseUrl = configOrExit((env) => readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']));
  const db = await openDatabase(databaseUrl, { poolSize: 1, applicationName: 'sms-bootstrap' });
  try {
    const created = await new AccountRepository(db).createWithKey(name, 'default', operator ? ['messages', 'smpp', 'keys', 'operator'] : ['messages', 'smpp', 'keys']);
    console.log(`account ${created.accountId} created${operator ? ' (operator key)' : ''}`);
    console.log(`API key (shown once, store it now): ${created.apiKey}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('bootstrap failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
