package kpi

// SetScreeningProbeLimit sets how many candidate children
// DEV_SCREENING_RATE reads the screenings of by ID, and returns the
// function that restores the previous limit: with 0 a test's few children
// take the path a province's many take.
func SetScreeningProbeLimit(n int) (restore func()) {
	old := screeningProbeLimit
	screeningProbeLimit = n
	return func() { screeningProbeLimit = old }
}
