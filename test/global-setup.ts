// Replaced below by the real stack start-up (embedded PostgreSQL + Temporal dev server).
export default async function globalSetup(): Promise<void> {}
