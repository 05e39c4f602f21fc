/** Entry of the renderer: zod settings and styles first, then the application shell. */
import './zod-config.js';
import './theme/tokens.css';
import './theme/app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

const container = document.getElementById('racine');
if (!container) throw new Error('Élément #racine introuvable dans index.html');

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
