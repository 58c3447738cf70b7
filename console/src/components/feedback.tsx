/** Loading, refusal and result states, said in words. */
import type { ReactNode } from 'react';
import type { Problem } from '../api/client';
import type { Loaded, Submission } from '../hooks';

export function ProblemView({ problem, rowsNote }: { problem: Problem; rowsNote?: boolean }) {
  const heading =
    problem.status === 403
      ? 'Not allowed (403)'
      : problem.status === 401
        ? 'Not signed in (401)'
        : problem.status === 0
          ? problem.title
          : `${problem.title} (${problem.status})`;
  return (
    <div className="problem" role="alert">
      <p className="problem-title">{heading}</p>
      <p>{problem.detail}</p>
      {problem.errors && problem.errors.length > 0 && !rowsNote && (
        <ul className="problem-errors">
          {problem.errors.map((e, i) => (
            <li key={i}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** Renders `children(data)` once loaded, else the loading line or the problem. */
export function Load<T>({
  loaded,
  what,
  children,
}: {
  loaded: Loaded<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (loaded.state === 'loading') return <Loading what={what} />;
  if (loaded.state === 'error') return <ProblemView problem={loaded.problem} />;
  return <>{children(loaded.data)}</>;
}

export function SubmitButton({ submission, children }: { submission: Submission<unknown>; children: ReactNode }) {
  const pending = submission.state === 'pending';
  return (
    <button type="submit" disabled={pending} aria-busy={pending}>
      {pending ? 'Sending…' : children}
    </button>
  );
}

/** What the API answered to a form: the result, or the refusal in words. */
export function SubmissionResult<T>({
  submission,
  describe,
}: {
  submission: Submission<T>;
  describe: (data: T) => ReactNode;
}) {
  if (submission.state === 'pending') {
    return (
      <p className="loading" role="status">
        Sending…
      </p>
    );
  }
  if (submission.state === 'error') return <ProblemView problem={submission.problem} />;
  if (submission.state === 'done') {
    return (
      <p className="result" role="status">
        {describe(submission.data)}
        {submission.replayed ? ' (already recorded: the API replayed its first answer)' : ''}
      </p>
    );
  }
  return null;
}
