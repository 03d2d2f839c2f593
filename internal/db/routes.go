package db

import "database/sql"

// Routes lists every Route, so that metrics can start a series for each
// before the first statement (a new constant in replica.go belongs here
// too; TestRoutesListsEveryRoute checks it).
func Routes() []Route {
	return []Route{RouteWrite, RouteAfterWrite, RouteReplica, RouteFallback}
}

// ReplicaPools returns the replicas' pools by name (host:port/database, the
// name in logs and Status), for their connection statistics. The router
// owns them: callers must not close them.
func (r *Router) ReplicaPools() map[string]*sql.DB {
	out := make(map[string]*sql.DB, len(r.replicas))
	for _, rep := range r.replicas {
		out[rep.name] = rep.db
	}
	return out
}
