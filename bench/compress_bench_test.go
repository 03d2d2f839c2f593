package bench

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"testing"

	"github.com/tuoyu/tuoyu/bench/internal/loadgen"
)

// BenchmarkGzipListPages compresses the two list pages bench/peer compares
// (list20, nested3), as the server answers them on the province demo, at
// the level internal/httpapi uses (1), at 5 (its level until 2026-12-02) and
// at the library's default (6), reporting the compressed size beside the
// time. Each iteration resets the writer once, as the server does per
// response.
func BenchmarkGzipListPages(b *testing.B) {
	e := open(b)
	for _, page := range []loadgen.Pair{loadgen.List20, loadgen.Nested3} {
		body := e.post(b, page.Tuoyu, nil)
		for _, level := range []int{1, 5, 6} {
			b.Run(page.Name+"/level-"+strconv.Itoa(level), func(b *testing.B) {
				var out bytes.Buffer
				w, err := gzip.NewWriterLevel(&out, level)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					out.Reset()
					w.Reset(&out)
					if _, err := w.Write(body); err != nil {
						b.Fatal(err)
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(out.Len()), "gzip-bytes")
			})
		}
	}
}
