import type { SimulationStatus } from '../graphql/operations';

const LABELS: Record<SimulationStatus, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function StatusBadge({ status }: { status: SimulationStatus }) {
  return <span className={`status status-${status.toLowerCase()}`}>{LABELS[status] ?? status}</span>;
}

export function isTerminal(status: SimulationStatus | undefined): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}
