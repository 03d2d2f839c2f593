// Runs graphql-http's server audits (GraphQL-over-HTTP conformance) against
// a running tuoyu server and prints one JSON line per audit:
// {"id", "name", "status": "ok"|"notice"|"warn"|"error", "reason"?}.
//
//   AUDIT_URL=http://127.0.0.1:8080/query AUDIT_TOKEN=<regulator token> node audit.mjs
//
// Every request carries "Authorization: Bearer $AUDIT_TOKEN" (a regulator,
// so that introspection-shaped audits run). TestGraphQLHTTPAudit in
// internal/httpapi starts the server and judges the results.
import { auditServer } from 'graphql-http';

const url = process.env.AUDIT_URL;
const token = process.env.AUDIT_TOKEN;
if (!url) {
  console.error('AUDIT_URL is required');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('Authorization', 'Bearer ' + token);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
for (const r of results) {
  const line = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') line.reason = r.reason;
  console.log(JSON.stringify(line));
}
