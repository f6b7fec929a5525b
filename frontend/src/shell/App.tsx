import { LiveEventsPanel } from '../live/LiveEventsPanel';
import { StatusPanel } from '../status/StatusPanel';
import { Header } from './Header';
import { useMe } from './useMe';
import { Welcome } from './Welcome';
import './shell.css';

interface AppProps {
  /** From the page shell's data-username, shown until /api/v1/me/ answers. */
  initialUsername: string;
}

export function App({ initialUsername }: AppProps) {
  const meState = useMe();
  const me = meState.status === 'ready' ? meState.me : null;
  const username = me?.username ?? (initialUsername || null);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Header username={username} />
      <main id="main" className="page" tabIndex={-1}>
        <Welcome profileError={meState.status === 'error' ? meState.message : null} />
        <div className="page__panels">
          <StatusPanel isStaff={me?.is_staff ?? false} />
          <LiveEventsPanel />
        </div>
      </main>
    </>
  );
}
