import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from './api.ts';
import { App } from './app.tsx';
import { PrefsProvider } from './i18n.tsx';
import './styles.css';

const client = new QueryClient({
  defaultOptions: {
    // A refused request (signed out, forbidden, not found) will not succeed on a retry.
    queries: { retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 2, staleTime: 15_000 },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <PrefsProvider>
        <App />
      </PrefsProvider>
    </QueryClientProvider>
  </StrictMode>,
);
