// A numbered state-schema migration. Landed migrations are never edited: add a new one.
export interface StateMigration {
  readonly id: number;
  readonly name: string;
  readonly up: string;
  readonly down: string;
}
