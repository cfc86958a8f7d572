// `npm run bootstrap -- <account name> [--operator [--allow-ip <cidr>,…]]`: creates an account and
// prints its API key once (scopes messages, smpp and keys); --operator also lets the key manage
// carriers and routes. An operator key is bound to client addresses (--allow-ip, default this
// machine's loopback), which lets it make operator changes without an operator's MFA token.
// Needs DATABASE_URL (the launcher passes it; see README).
import 'reflect-metadata';
import { configOrExit, readUrl } from '@app/config';
import { AccountRepository, LOOPBACK_ONLY, openDatabase } from '@app/db';
import { validAllowedIps } from '@app/egress';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const operator = args.includes('--operator');
  const allowIndex = args.indexOf('--allow-ip');
  const allowedIps = operator ? (allowIndex >= 0 ? validAllowedIps((args[allowIndex + 1] ?? '').split(',').filter(Boolean)) : LOOPBACK_ONLY) : [];
  const name = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--allow-ip')?.trim();
  if (!name) {
    console.error('usage: npm run bootstrap -- "<account name>" [--operator [--allow-ip <cidr>,…]]');
    process.exit(64);
  }
  const databaseUrl = configOrExit((env) => readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']));
  const db = await openDatabase(databaseUrl, { poolSize: 1, applicationName: 'sms-bootstrap' });
  try {
    const created = await new AccountRepository(db).createWithKey(name, 'default', operator ? ['messages', 'smpp', 'keys', 'operator'] : ['messages', 'smpp', 'keys'], { allowedIps });
    console.log(`account ${created.accountId} created${operator ? ` (operator key, usable from ${allowedIps.join(', ')})` : ''}`);
    console.log(`API key (shown once, store it now): ${created.apiKey}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error('bootstrap failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
