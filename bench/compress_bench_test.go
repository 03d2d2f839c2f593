package bench

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/tuoyu/tuoyu/bench/internal/loadgen"
)

// gzipWriter is what both gzip packages' writers do.
type gzipWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

// BenchmarkGzipListPages compresses the two list pages bench/peer compares
// (list20, nested3), as the server answers them on the province demo, with
// the standard library's compress/gzip ("std") and with
// github.com/klauspost/compress/gzip ("klauspost", what internal/httpapi
// uses since 2026-12-03), at the level internal/httpapi uses (1), at 5 (its
// level until 2026-12-02) and at the library's default (6), reporting the
// compressed size beside the time. Each iteration resets the writer once, as
// the server does per response.
func BenchmarkGzipListPages(b *testing.B) {
	e := open(b)
	libraries := []struct {
		name      string
		newWriter func(io.Writer, int) (gzipWriter, error)
	}{
		{"std", func(w io.Writer, level int) (gzipWriter, error) { return gzip.NewWriterLevel(w, level) }},
		{"klauspost", func(w io.Writer, level int) (gzipWriter, error) { return kgzip.NewWriterLevel(w, level) }},
	}
	for _, page := range []loadgen.Pair{loadgen.List20, loadgen.Nested3} {
		body := e.post(b, page.Tuoyu, nil)
		for _, level := range []int{1, 5, 6} {
			for _, lib := range libraries {
				b.Run(page.Name+"/level-"+strconv.Itoa(level)+"/"+lib.name, func(b *testing.B) {
					var out bytes.Buffer
					w, err := lib.newWriter(&out, level)
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
}
