import { useRef, useState, type DragEvent } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { DELETE_WORKBOOK, UPLOAD_WORKBOOK, WORKBOOKS, type WorkbookSummary } from '../graphql/operations';
import { getToken } from '../lib/auth';
import { graphqlMultipart } from '../lib/upload';
import { formatBytes, formatDate, formatInt } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { ProblemView } from '../components/Problem';

const PAGE = 20;
const ACCEPT = '.xlsx,.xlsm,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function WorkbooksPage() {
  const { data, loading, error, fetchMore, refetch } = useQuery(WORKBOOKS, { variables: { first: PAGE } });
  const [deleteWorkbook] = useMutation(DELETE_WORKBOOK);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const conn = data?.workbooks;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Workbooks</h1>
        {conn && <span className="muted">{formatInt(conn.totalCount)} in your organization</span>}
      </div>
      <Uploader onUploaded={(wb) => void refetch().then(() => navigate(`/workbooks/${encodeURIComponent(wb.id)}`))} />
      <ProblemView error={error} title="Could not load your workbooks" />
      <ProblemView error={deleteError} title="Could not delete the workbook" onDismiss={() => setDeleteError(null)} />
      {conn && conn.edges.length === 0 && <p className="empty">No workbooks yet. Upload an Excel model above to start.</p>}
      {conn && conn.edges.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Sheets</th>
              <th scope="col" className="num">
                Formulas
              </th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {conn.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>
                  <Link to={`/workbooks/${encodeURIComponent(node.id)}`}>{node.name}</Link>
                  {node.unsupportedFunctions.length > 0 && (
                    <span className="tag warn" title={node.unsupportedFunctions.map((f) => `${f.name} ×${f.count}`).join(', ')}>
                      {node.unsupportedFunctions.length} unsupported function{node.unsupportedFunctions.length > 1 ? 's' : ''}
                    </span>
                  )}
                </td>
                <td>{node.sheets.map((s) => s.name).join(', ')}</td>
                <td className="num">{formatInt(node.formulaCount)}</td>
                <td className="num">{formatBytes(node.size)}</td>
                <td>{formatDate(node.createdAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="danger subtle"
                    aria-label={`Delete ${node.name}`}
                    onClick={async () => {
                      if (!window.confirm(`Delete “${node.name}”? Its simulations stay in the history.`)) return;
                      try {
                        await deleteWorkbook({ variables: { id: node.id } });
                        await refetch();
                      } catch (e) {
                        setDeleteError(e);
                      }
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && !conn && <p className="muted">Loading…</p>}
      {conn?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => fetchMore({ variables: { first: PAGE, after: conn.pageInfo.endCursor } })}>
          Show more
        </button>
      )}
    </div>
  );
}

function Uploader({ onUploaded }: { onUploaded: (wb: WorkbookSummary) => void }) {
  const client = useApolloClient();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<{ name: string; fraction: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const upload = async (file: File) => {
    setError(null);
    if (!/\.xls[xm]$/i.test(file.name)) {
      setError(new Error(`“${file.name}” is not an Excel workbook (.xlsx).`));
      return;
    }
    setProgress({ name: file.name, fraction: 0 });
    try {
      const data = await graphqlMultipart<{ uploadWorkbook: WorkbookSummary }>(UPLOAD_WORKBOOK, {}, { file }, {
        token: getToken(),
        onProgress: (fraction) => setProgress({ name: file.name, fraction }),
      });
      client.cache.evict({ fieldName: 'workbooks' });
      onUploaded(data.uploadWorkbook);
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files?.[0];
    if (file) void upload(file);
  };

  return (
    <>
      <div
        className={`dropzone${over ? ' over' : ''}${progress ? ' busy' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        {progress ? (
          <div role="status" aria-live="polite">
            Uploading {progress.name}… {Math.round(progress.fraction * 100)}%
          </div>
        ) : (
          <>
            <p>
              <strong>Drop an Excel workbook here</strong>
              <span className="muted"> or</span>
            </p>
            <button type="button" className="primary" onClick={() => input.current?.click()}>
              Choose a file…
            </button>
            <p className="muted small">.xlsx — formulas, named ranges and several sheets are supported.</p>
          </>
        )}
        <input
          ref={input}
          type="file"
          accept={ACCEPT}
          className="visually-hidden"
          aria-label="Upload a workbook"
          tabIndex={-1}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void upload(f);
          }}
        />
      </div>
      <ProblemView error={error} title="The workbook was not uploaded" onDismiss={() => setError(null)} />
    </>
  );
}
