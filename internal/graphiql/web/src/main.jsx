// Entry point of the embedded GraphiQL bundle served by internal/graphiql.
//
// The Go handler renders a page containing
//
//   <script id="graphiql-config" type="application/json">{...}</script>
//   <div id="graphiql"></div>
//
// where the JSON config is:
//
//   {
//     "endpoint": "/query",                  // GraphQL endpoint URL (required)
//     "defaultTabs": [                       // optional initial tabs
//       {"query": "...", "variables": "...", "headers": "..."}
//     ],
//     "headers": "{\"Authorization\": \"Bearer …\"}" // optional default headers (JSON string)
//   }
//
// Nothing is loaded from a CDN: React, GraphiQL and its CSS are all bundled.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './page.css';

function readConfig() {
  const el = document.getElementById('graphiql-config');
  if (!el) {
    throw new Error('missing <script id="graphiql-config"> element');
  }
  const cfg = JSON.parse(el.textContent || '{}');
  if (!cfg || typeof cfg.endpoint !== 'string' || cfg.endpoint === '') {
    throw new Error('graphiql-config: "endpoint" must be a non-empty string');
  }
  return cfg;
}

function asString(v) {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

function mount() {
  const root = document.getElementById('graphiql');
  let cfg;
  try {
    cfg = readConfig();
  } catch (err) {
    root.textContent = 'GraphiQL failed to start: ' + err.message;
    throw err;
  }

  const defaultHeaders = asString(cfg.headers);
  const defaultTabs = Array.isArray(cfg.defaultTabs) && cfg.defaultTabs.length > 0
    ? cfg.defaultTabs.map((t) => ({
        query: typeof t.query === 'string' ? t.query : '',
        variables: asString(t.variables),
        headers: asString(t.headers) ?? defaultHeaders,
      }))
    : undefined;

  const fetcher = createGraphiQLFetcher({ url: cfg.endpoint });

  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={defaultTabs}
      defaultHeaders={defaultHeaders}
      defaultEditorToolsVisibility={defaultHeaders ? 'headers' : undefined}
    />,
  );
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', mount);
} else {
  mount();
}
