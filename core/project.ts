import { join } from 'node:path';

/** The repository root (where Pulumi.yaml lives); the CLI works from any current directory. */
export function projectRoot(): string {
  return process.env.SLUICE_PROJECT_DIR ?? join(__dirname, '..');
}
