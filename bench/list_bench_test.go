package bench

import (
	"testing"

	"github.com/tuoyu/tuoyu/bench/internal/loadgen"
)

// BenchmarkListPages serves bench/peer's two list pages (list20, nested3)
// in process, through graph's handler, as a province regulator: the
// server's work per request without HTTP, compression or the load
// generator, with exact allocations per request (-benchmem). The peer
// comparison (bench/peer) measures the same pages over HTTP.
func BenchmarkListPages(b *testing.B) {
	e := open(b)
	for _, page := range []loadgen.Pair{loadgen.List20, loadgen.Nested3} {
		b.Run(page.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.post(b, page.Tuoyu, nil)
			}
		})
	}
}
