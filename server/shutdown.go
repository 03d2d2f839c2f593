package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tuoyu/tuoyu/internal/httpapi"
)

// shutdownFlags time serve's graceful shutdown on SIGTERM/SIGINT:
//
//  1. grace: /readyz answers 503 while everything else is still served, so
//     that load balancers (which poll readiness every few seconds) stop
//     sending new requests before the listener closes;
//  2. drain: the listener closes, idle connections are closed, and requests
//     in flight get up to the drain budget to finish. The budget is at least
//     the request timeout (plus the 5 s the write timeout adds), so every
//     request that the request timeout lets run also gets its response;
//  3. exit 0.
type shutdownFlags struct {
	Grace time.Duration
	Drain time.Duration // 0 = derived from the request timeout
	// drain is the effective budget, set by check.
	drain time.Duration
}

// drainSlack is what the derived drain budget adds to the request timeout:
// the HTTP write timeout's margin, time to write a large response.
const drainSlack = 5 * time.Second

func bindShutdownFlags(fs *flag.FlagSet) *shutdownFlags {
	s := &shutdownFlags{}
	fs.DurationVar(&s.Grace, "shutdown-grace", envDuration("TUOYU_SHUTDOWN_GRACE", 5*time.Second), "on SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes (env TUOYU_SHUTDOWN_GRACE)")
	fs.DurationVar(&s.Drain, "drain-timeout", envDuration("TUOYU_DRAIN_TIMEOUT", 0), "after the grace period, how long in-flight requests get to finish; 0 = request timeout + 5s; never less than the request timeout (env TUOYU_DRAIN_TIMEOUT)")
	return s
}

// check validates the durations against the request timeout and fixes the
// drain budget.
func (s *shutdownFlags) check(requestTimeout time.Duration) error {
	switch {
	case s.Grace < 0:
		return errors.New("--shutdown-grace must be 0 or positive")
	case s.Drain < 0:
		return errors.New("--drain-timeout must be 0 (derived) or positive")
	case s.Drain == 0:
		s.drain = requestTimeout + drainSlack
	case s.Drain < requestTimeout:
		return fmt.Errorf("--drain-timeout (%s) must be at least --request-timeout (%s), or in-flight requests would be cut off", s.Drain, requestTimeout)
	default:
		s.drain = s.Drain
	}
	return nil
}

// shutdown runs the grace period and the drain once serve's context is done.
// errc receives srv.Serve's result. A drain that runs out of budget closes
// the remaining connections and is logged; the process still exits 0, as
// every request the request timeout allowed has had its time.
func (s *shutdownFlags) shutdown(srv *httpapi.Server, errc <-chan error) error {
	slog.Info("shutting down: readiness fails for the grace period, then in-flight requests drain (a second Ctrl-C or SIGTERM stops at once)", "grace", s.Grace, "drain", s.drain)
	srv.Drain()
	select {
	case <-time.After(s.Grace):
	case err := <-errc: // the listener failed during the grace period
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.drain)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		slog.Warn("drain budget exhausted: closing the remaining connections", "drain", s.drain, "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	slog.Info("requests drained")
	return nil
}
