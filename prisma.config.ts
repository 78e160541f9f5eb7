// Prisma CLI configuration. The URL is only needed by `prisma migrate deploy` (where the schema engine
// is available); `prisma generate` does not connect, so a placeholder keeps it runnable offline.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postdate' },
});
