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
//     "headers": "{\"Authorization\": \"Bearer …\"}", // optional default headers (JSON string)
//     "tokenCommand": "./tuoyu token --role …"        // optional: how to get a token
//   }
//
// One token for every tab. GraphiQL keeps a headers editor per tab, so a
// token pasted into one tab's Headers would leave the other tabs anonymous.
// The page therefore keeps the token itself: the token bar above GraphiQL,
// or an Authorization header sent from any tab's Headers editor, sets it,
// and the fetcher adds "Authorization: Bearer <token>" to every request
// whose tab sets no Authorization of its own. The token lives in
// sessionStorage (this browser tab, until it is closed).
//
// Anonymous visitors may not introspect the schema, so without a token the
// page does not introspect (no INTROSPECTION_DISABLED error on arrival); the
// token bar says what an anonymous user can do and how to get a token.
//
// Nothing is loaded from a CDN: React, GraphiQL and its CSS are all bundled.
import { useCallback, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './page.css';

const TOKEN_KEY = 'tuoyu.token';

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

// normalizeToken accepts what people paste: a bare token, "Bearer <token>",
// or the JSON headers object {"Authorization": "Bearer <token>"}.
export function normalizeToken(input) {
  let s = (input || '').trim();
  if (s.startsWith('{')) {
    try {
      const obj = JSON.parse(s);
      s = authorizationOf(obj) || '';
    } catch {
      return '';
    }
  }
  s = s.replace(/^bearer\s+/i, '').trim();
  return /^[A-Za-z0-9._~+/=-]+$/.test(s) ? s : '';
}

function authorizationOf(headers) {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'authorization' && typeof v === 'string') return v;
  }
  return undefined;
}

function loadToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lasts until the page is reloaded
  }
}

function TokenBar({ token, onToken, tokenCommand }) {
  const [draft, setDraft] = useState('');
  const [invalid, setInvalid] = useState(false);
  const apply = (e) => {
    e.preventDefault();
    const t = normalizeToken(draft);
    setInvalid(!t);
    if (t) {
      onToken(t);
      setDraft('');
    }
  };
  if (token) {
    return (
      <div id="tuoyu-token-bar" className="tuoyu-bar" data-state="token">
        <span id="tuoyu-token-status">
          Token set: every tab sends it as <code>Authorization: Bearer …</code> (a tab's own
          Authorization header wins). Schema docs and completion are loaded.
        </span>
        <button type="button" id="tuoyu-token-forget" onClick={() => onToken('')}>
          Forget token
        </button>
      </div>
    );
  }
  const cmd = tokenCommand || 'go run ./server token --role PROVINCE_REGULATOR --region 210000';
  return (
    <form id="tuoyu-token-bar" className="tuoyu-bar" data-state="anonymous" onSubmit={apply}>
      <span id="tuoyu-token-status">
        You are anonymous (PUBLIC): you can query the directory of filed institutions, but
        schema docs, completion and the other example tabs need a token. Print one with{' '}
        <code id="tuoyu-token-command">{cmd}</code> and paste it here:
      </span>
      <input
        id="tuoyu-token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="token, Bearer token or {&quot;Authorization&quot;: …}"
        aria-label="token"
        aria-invalid={invalid}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" id="tuoyu-token-apply">
        Use for all tabs
      </button>
      {invalid ? <span className="tuoyu-invalid">not a token</span> : null}
    </form>
  );
}

function App({ cfg }) {
  const [token, setTokenState] = useState(loadToken);
  const setToken = useCallback((t) => {
    storeToken(t);
    setTokenState(t);
  }, []);

  const base = useMemo(() => createGraphiQLFetcher({ url: cfg.endpoint }), [cfg.endpoint]);
  // A new fetcher per token: GraphiQL then introspects again with it.
  const fetcher = useMemo(
    () => (params, opts) => {
      const own = authorizationOf(opts && opts.headers);
      if (own) {
        // A token pasted into one tab's Headers becomes everyone's.
        const t = normalizeToken(own);
        if (t && t !== token) setToken(t);
        return base(params, opts);
      }
      const headers = { ...((opts && opts.headers) || {}) };
      if (token) headers.Authorization = 'Bearer ' + token;
      return base(params, { ...(opts || {}), headers });
    },
    [base, token, setToken],
  );

  const defaultHeaders = asString(cfg.headers);
  const defaultTabs = useMemo(
    () =>
      Array.isArray(cfg.defaultTabs) && cfg.defaultTabs.length > 0
        ? cfg.defaultTabs.map((t) => ({
            query: typeof t.query === 'string' ? t.query : '',
            variables: asString(t.variables),
            headers: asString(t.headers) ?? defaultHeaders,
          }))
        : undefined,
    [cfg.defaultTabs, defaultHeaders],
  );

  return (
    <div className="tuoyu-page">
      <TokenBar token={token} onToken={setToken} tokenCommand={cfg.tokenCommand} />
      <div className="tuoyu-ide">
        <GraphiQL
          fetcher={fetcher}
          // null: no introspection while anonymous (PUBLIC may not introspect).
          schema={token ? undefined : null}
          defaultTabs={defaultTabs}
          defaultHeaders={defaultHeaders}
          defaultEditorToolsVisibility={defaultHeaders ? 'headers' : undefined}
        />
      </div>
    </div>
  );
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
  createRoot(root).render(<App cfg={cfg} />);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', mount);
} else {
  mount();
}
