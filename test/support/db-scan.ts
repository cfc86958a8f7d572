// Searches every table of the database for a string (every column, as each row's text): what a
// dump would show of it. Used to prove that an erasure left nothing behind.
import { DataSource } from 'typeorm';

export async function rowsHolding(db: DataSource, needle: string): Promise<{ table: string; row: string }[]> {
  const tables: { table_name: string }[] = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const found: { table: string; row: string }[] = [];
  for (const { table_name } of tables) {
    const rows: { row: string }[] = await db.query(`SELECT t::text AS row FROM "${table_name}" t WHERE strpos(t::text, $1) > 0`, [needle]);
    found.push(...rows.map((r) => ({ table: table_name, row: r.row })));
  }
  return found;
}
