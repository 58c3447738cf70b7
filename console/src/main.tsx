import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadConfig } from './api/client';
import { App } from './App';
import { takeTokenFromFragment } from './session';
import './styles.css';

takeTokenFromFragment();
// A sign-in link opened in a tab already showing the console changes only the fragment: sign in with it afresh.
window.addEventListener('hashchange', () => {
  if (takeTokenFromFragment()) window.location.reload();
});
const root = createRoot(document.getElementById('root')!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  (err: unknown) =>
    root.render(
      <main className="problem" role="alert">
        The console cannot start: {err instanceof Error ? err.message : String(err)}
      </main>,
    ),
);
