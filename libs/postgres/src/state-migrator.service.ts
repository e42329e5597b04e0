// Applies the numbered state migrations once, under an advisory lock, so several services
// starting at the same time (coordinator, loaders) never race on the schema.
import { Injectable } from '@nestjs/common';
import { JsonLogger } from '@qupersync/observability';
import { StateMigration, stateMigrations } from './migrations';
import { PostgresDatabase } from './postgres.database';

const migrationLockKey = 7_306_547_001;

@Injectable()
export class StateMigrator {
  private readonly logger = new JsonLogger(StateMigrator.name);

  constructor(private readonly database: PostgresDatabase) {}

  async migrateUp(migrations: readonly StateMigration[] = stateMigrations): Promise<number[]> {
    return this.database.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
      try {
        await client.query(
          'CREATE TABLE IF NOT EXISTS qupersync_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        );
        const applied = new Set(
          (await client.query<{ id: number }>('SELECT id FROM qupersync_migrations')).rows.map(
            (row) => row.id,
          ),
        );
        const done: number[] = [];
        for (const migration of migrations) {
          if (applied.has(migration.id)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.up);
            await client.query('INSERT INTO qupersync_migrations (id, name) VALUES ($1, $2)', [
              migration.id,
              migration.name,
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
          this.logger.info('applied migration', { migration: migration.id, name: migration.name });
          done.push(migration.id);
        }
        return done;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
      }
    });
  }

  /** Reverts the newest applied migrations down to (not including) `targetId`. */
  async migrateDown(
    targetId: number,
    migrations: readonly StateMigration[] = stateMigrations,
  ): Promise<number[]> {
    const reverted: number[] = [];
    for (const migration of [...migrations].reverse()) {
      if (migration.id <= targetId) break;
      await this.database.withTransaction(async (client) => {
        const found = await client.query('DELETE FROM qupersync_migrations WHERE id = $1', [migration.id]);
        if (found.rowCount === 0) return;
        await client.query(migration.down);
        reverted.push(migration.id);
      });
    }
    return reverted;
  }
}
