import { Suspense, lazy } from 'react';
import { Navigate, Outlet, RouterProvider, createBrowserRouter } from 'react-router';
import { canReadAudit } from '../access/permissions';
import { AccountPage } from '../account/AccountPage';
import { AuditPage } from '../audit/AuditPage';
import { BatchPage, BatchesPage } from '../batches/BatchPages';
import { CredentialListPage, CredentialPage } from '../credentials/CredentialPages';
import { EditorPage } from '../editor/EditorPage';
import { CollectionListPage, CollectionPage } from '../knowledge/KnowledgePages';
import { LiveEventsPanel } from '../live/LiveEventsPanel';
import { ModelProfileListPage, ModelProfilePage } from '../models/ModelPages';
import { PromptListPage, PromptPage } from '../prompts/PromptPages';
import { ReviewInboxPage } from '../reviews/ReviewPages';
import { RunPage, RunsPage } from '../runs/RunPages';
import { StatusPanel } from '../status/StatusPanel';
import { WorkflowListPage } from '../workflows/WorkflowListPage';
import { Header } from './Header';
import { MeContext, useMe, useMeContext } from './useMe';
import './shell.css';

// The charts library loads with the metrics page, not with every page.
const MetricsPage = lazy(() => import('../metrics/MetricsPage'));

function LazyMetricsPage() {
  return (
    <Suspense
      fallback={
        <main id="main" className="page">
          <p className="muted" role="status">
            Loading…
          </p>
        </main>
      }
    >
      <MetricsPage />
    </Suspense>
  );
}

interface AppProps {
  /** From the page shell's data-username, shown until /api/v1/me/ answers. */
  initialUsername: string;
}

function Layout({ initialUsername }: AppProps) {
  const meState = useMe();
  const me = meState.status === 'ready' ? meState.me : null;
  const username = me?.username ?? (initialUsername || null);
  return (
    <MeContext.Provider value={meState}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <Header username={username} canAudit={canReadAudit(me)} />
      {meState.status === 'error' && (
        <p className="notice notice--error" role="alert">
          Could not load your account: {meState.message}
        </p>
      )}
      <Outlet />
    </MeContext.Provider>
  );
}

function StatusPage() {
  const meState = useMeContext();
  return (
    <main id="main" className="page" tabIndex={-1}>
      <h1 className="page__title">System status</h1>
      <div className="page__panels">
        <StatusPanel isStaff={meState.status === 'ready' ? meState.me.is_staff : false} />
        <LiveEventsPanel />
      </div>
    </main>
  );
}

function NotFound() {
  return (
    <main id="main" className="page">
      <h1 className="page__title">Not found</h1>
      <p>
        There is nothing here. Go to the <a href="/workflows">workflows</a>.
      </p>
    </main>
  );
}

export function buildRouter(initialUsername: string) {
  return createBrowserRouter([
    {
      element: <Layout initialUsername={initialUsername} />,
      children: [
        { path: '/', element: <Navigate to="/workflows" replace /> },
        { path: '/workflows', element: <WorkflowListPage /> },
        { path: '/workflows/:id', element: <EditorPage /> },
        { path: '/prompts', element: <PromptListPage /> },
        { path: '/prompts/:name', element: <PromptPage /> },
        { path: '/runs', element: <RunsPage /> },
        { path: '/runs/:id', element: <RunPage /> },
        { path: '/batches', element: <BatchesPage /> },
        { path: '/batches/:id', element: <BatchPage /> },
        { path: '/credentials', element: <CredentialListPage /> },
        { path: '/credentials/:id', element: <CredentialPage /> },
        { path: '/models', element: <ModelProfileListPage /> },
        { path: '/models/:id', element: <ModelProfilePage /> },
        { path: '/reviews', element: <ReviewInboxPage /> },
        { path: '/reviews/:id', element: <ReviewInboxPage /> },
        { path: '/knowledge', element: <CollectionListPage /> },
        { path: '/knowledge/:id', element: <CollectionPage /> },
        // `/metrics` itself is the Prometheus endpoint on the server.
        { path: '/usage', element: <LazyMetricsPage /> },
        { path: '/account', element: <AccountPage /> },
        { path: '/audit', element: <AuditPage /> },
        { path: '/status', element: <StatusPage /> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ]);
}

export function App({ initialUsername }: AppProps) {
  return <RouterProvider router={buildRouter(initialUsername)} />;
}
