// Shows a GraphQL or network error: the server's message, its code and what
// to do about it.
import { adviceFor, toProblem } from '../lib/errors';

export function ProblemView({ error, title = 'Something went wrong', onDismiss }: { error: unknown; title?: string; onDismiss?: () => void }) {
  if (!error) return null;
  const p = toProblem(error);
  return (
    <div className="problem" role="alert">
      <div className="problem-head">
        <strong>{title}</strong>
        {onDismiss && (
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
            ×
          </button>
        )}
      </div>
      <ul>
        {p.items.map((i, n) => {
          const advice = adviceFor(i);
          return (
            <li key={n}>
              {i.code && <code className="code-badge">{i.code}</code>} <span className="problem-message">{i.message}</span>
              {advice && <div className="muted">{advice}</div>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
