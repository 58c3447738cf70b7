// drizzle-kit: generates the SQL migrations in drizzle/ from the store schema. Regenerate after a schema change:
//   npx drizzle-kit generate --name <what-changed>
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
  strict: true,
});
