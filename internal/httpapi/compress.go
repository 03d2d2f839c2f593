package httpapi

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// minCompressSize is the smallest body worth compressing: below it the
// encoding's framing costs more than it saves.
const minCompressSize = 1024

var (
	// Level 5, not the default 6: on a 77 KB nested list page (bench/peer's
	// nested3) it takes 315 µs against 530 µs for a body 1.3 % larger
	// (5,176 against 5,112 bytes); on a 5 KB page both take about 50 µs
	// (bench: BenchmarkGzipListPages, bench/RESULTS.md).
	gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, 5); return w }}
	// Quality 4 compresses JSON about as well as gzip -9 at a fraction of
	// brotli's top-quality cost.
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 4) }}
)

// withCompression compresses text responses (JSON, HTML, JavaScript, CSS)
// of at least minCompressSize bytes with br or gzip, whichever the client's
// Accept-Encoding prefers (br on a tie), and adds Vary: Accept-Encoding.
// Responses that already have a Content-Encoding (GraphiQL's pre-gzipped
// assets) and HEAD requests pass through.
func withCompression(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		enc := negotiateEncoding(r.Header.Get("Accept-Encoding"))
		if enc == "" || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, enc: enc}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// negotiateEncoding returns "br", "gzip" or "" for an Accept-Encoding value.
func negotiateEncoding(header string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		if (coding != "br" && coding != "gzip") || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && coding == "br") {
			best, bestQ = coding, q
		}
	}
	return best
}

func compressible(contentType string) bool {
	ct := strings.ToLower(contentType)
	for _, p := range []string{"application/json", "application/graphql-response+json", "text/", "application/javascript"} {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// compressWriter holds back the first minCompressSize bytes to decide, then
// either streams through an encoder or passes everything on as is.
type compressWriter struct {
	http.ResponseWriter
	enc         string
	status      int
	buf         []byte
	decided     bool
	passthrough bool
	zw          io.WriteCloser
	flush       func() error
}

func (c *compressWriter) WriteHeader(status int) {
	if c.status != 0 {
		return
	}
	if status < 200 {
		c.ResponseWriter.WriteHeader(status) // 1xx: informational, not final
		return
	}
	c.status = status
	h := c.Header()
	if status == http.StatusNoContent || status == http.StatusNotModified ||
		h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
		c.decided, c.passthrough = true, true
		c.ResponseWriter.WriteHeader(status)
	}
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(p))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.passthrough {
		return c.ResponseWriter.Write(p)
	}
	if c.zw != nil {
		return c.zw.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= minCompressSize {
		if err := c.start(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// start begins the compressed body with what was held back.
func (c *compressWriter) start() error {
	c.decided = true
	h := c.Header()
	h.Set("Content-Encoding", c.enc)
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	c.ResponseWriter.WriteHeader(c.status)
	switch c.enc {
	case "br":
		bw := brotliPool.Get().(*brotli.Writer)
		bw.Reset(c.ResponseWriter)
		c.zw, c.flush = bw, bw.Flush
	default:
		gw := gzipPool.Get().(*gzip.Writer)
		gw.Reset(c.ResponseWriter)
		c.zw, c.flush = gw, gw.Flush
	}
	_, err := c.zw.Write(c.buf)
	c.buf = nil
	return err
}

// Flush sends what is buffered (compressed, if compression started).
func (c *compressWriter) Flush() {
	if c.status == 0 {
		return
	}
	if !c.decided {
		if err := c.start(); err != nil {
			return
		}
	}
	if c.flush != nil {
		_ = c.flush()
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *compressWriter) close() {
	switch {
	case c.status == 0 || c.passthrough:
	case c.zw != nil:
		_ = c.zw.Close()
		switch zw := c.zw.(type) {
		case *gzip.Writer:
			zw.Reset(io.Discard)
			gzipPool.Put(zw)
		case *brotli.Writer:
			zw.Reset(io.Discard)
			brotliPool.Put(zw)
		}
	default: // small body: send it uncompressed
		c.ResponseWriter.WriteHeader(c.status)
		_, _ = c.ResponseWriter.Write(c.buf)
	}
}
