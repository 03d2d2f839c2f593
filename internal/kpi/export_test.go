package kpi

import (
	"sync"
	"testing"
)

// SetScreeningProbeLimit sets how many candidate children
// DEV_SCREENING_RATE reads the screenings of by ID, and returns the
// function that restores the previous limit: with 0 a test's few children
// take the path a province's many take.
func SetScreeningProbeLimit(n int) (restore func()) {
	old := screeningProbeLimit
	screeningProbeLimit = n
	return func() { screeningProbeLimit = old }
}

// HoldSlots takes every free heavy-evaluation slot, so that evaluations
// wait for one, until release (safe to call twice) or the end of the test.
func HoldSlots(t testing.TB) (release func()) {
	n := 0
	for held := false; !held; {
		select {
		case heavy <- struct{}{}:
			n++
		default:
			held = true
		}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			for range n {
				<-heavy
			}
		})
	}
	t.Cleanup(release)
	return release
}

// WaitingFlights reports the evaluations of e waiting to start and the
// requests waiting for them.
func WaitingFlights(e *Engine) (flights, requests int) { return e.flights.waitingFlights() }

// SetFlightStarted sets the hook run when an evaluation starts and returns
// the function that removes it.
func SetFlightStarted(f func()) (restore func()) {
	flightStarted = f
	return func() { flightStarted = nil }
}

// CachedAnswers reports the answers and results e's result cache holds.
func CachedAnswers(e *Engine) (answers, results int) { return e.results.size() }

// SetVersionRead sets the hook run once an evaluation has read the data
// version and returns the function that removes it.
func SetVersionRead(f func()) (restore func()) {
	versionRead = f
	return func() { versionRead = nil }
}
