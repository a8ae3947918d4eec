import { useId, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { SIMULATIONS, type SimulationStatus } from '../graphql/operations';
import { formatDate, formatDuration, formatInt } from '../lib/format';
import { Link } from '../lib/router';
import { ProblemView } from '../components/Problem';
import { StatusBadge } from '../components/StatusBadge';

const PAGE = 25;
type Field = 'CREATED_AT' | 'STATUS' | 'ITERATIONS';

export function SimulationsPage() {
  const id = useId();
  const [status, setStatus] = useState<SimulationStatus | ''>('');
  const [field, setField] = useState<Field>('CREATED_AT');
  const [direction, setDirection] = useState<'ASC' | 'DESC'>('DESC');
  const variables = { first: PAGE, status: status || null, orderBy: { field, direction } };
  const { data, loading, error, fetchMore } = useQuery(SIMULATIONS, { variables, pollInterval: 5000 });
  const conn = data?.simulations;

  const sortBy = (f: Field) => {
    if (f === field) setDirection(direction === 'DESC' ? 'ASC' : 'DESC');
    else {
      setField(f);
      setDirection('DESC');
    }
  };
  const sortHeader = (f: Field, label: string, className?: string) => (
    <th scope="col" className={className} aria-sort={field === f ? (direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => sortBy(f)}>
        {label}
        <span aria-hidden="true">{field === f ? (direction === 'ASC' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Simulations</h1>
        {conn && <span className="muted">{formatInt(conn.totalCount)} {status ? status.toLowerCase() : 'in total'}</span>}
      </div>
      <div className="toolbar">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as SimulationStatus | '')}>
          <option value="">All</option>
          <option value="QUEUED">Queued</option>
          <option value="RUNNING">Running</option>
          <option value="COMPLETED">Completed</option>
          <option value="FAILED">Failed</option>
          <option value="CANCELLED">Cancelled</option>
        </select>
      </div>
      <ProblemView error={error} title="Could not load the simulations" />
      {conn && conn.edges.length === 0 && (
        <p className="empty">
          No simulations{status ? ` with status ${status.toLowerCase()}` : ''} yet. Open a <Link to="/workbooks">workbook</Link>, choose inputs and outputs, and run.
        </p>
      )}
      {conn && conn.edges.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Simulation</th>
              <th scope="col">Workbook</th>
              {sortHeader('STATUS', 'Status')}
              {sortHeader('ITERATIONS', 'Iterations', 'num')}
              <th scope="col">Outputs</th>
              {sortHeader('CREATED_AT', 'Created')}
              <th scope="col" className="num">
                Took
              </th>
            </tr>
          </thead>
          <tbody>
            {conn.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>
                  <Link to={`/simulations/${encodeURIComponent(node.id)}`}>{node.name || `Run ${node.id.slice(-6)}`}</Link>
                </td>
                <td>{node.workbook ? <Link to={`/workbooks/${encodeURIComponent(node.workbookId)}`}>{node.workbook.name}</Link> : <span className="muted">deleted</span>}</td>
                <td>
                  <StatusBadge status={node.status} />
                  {node.error && <span className="muted small"> {node.error}</span>}
                </td>
                <td className="num">{formatInt(node.iterations)}</td>
                <td>{node.outputs.join(', ')}</td>
                <td>{formatDate(node.createdAt)}</td>
                <td className="num">{formatDuration(node.elapsedMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && !conn && <p className="muted">Loading…</p>}
      {conn?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => fetchMore({ variables: { ...variables, after: conn.pageInfo.endCursor } })}>
          Show more
        </button>
      )}
    </div>
  );
}
