// Global styles first so feature styles imported by components come after them.
import './styles/tokens.css';
import './styles/base.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './shell/App';

const root = document.getElementById('root');
if (!root) throw new Error('Sluice: the page has no #root element to mount into');

createRoot(root).render(
  <StrictMode>
    <App initialUsername={root.dataset.username ?? ''} />
  </StrictMode>,
);
