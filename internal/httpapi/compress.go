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

// gzipLevel is gzip's fastest level, nginx's default gzip_comp_level. On
// bench/peer's list pages (BenchmarkGzipListPages, bench/RESULTS.md,
// "Per-request costs") it takes 37–44 µs against 43–66 µs at level 5 for
// the 5 KB list20 page and 112–164 µs against 264–420 µs for the 77 KB
// nested3 page, for bodies 13 % and 19 % larger (1,501 against 1,330 bytes;
// 6,168 against 5,176): still about a tenth of the JSON. At level 5,
// compression was 11 % of the server's CPU on nested3 pages and 15 % on
// list20, to save about a kilobyte. Levels 2 and above also clear 640 KB of
// match tables on every Reset; level 1 does not.
const gzipLevel = gzip.BestSpeed

var (
	gzipPool = sync.Pool{New: func() any { return newPooledGzip() }}
	// Quality 4 compresses JSON about as well as gzip -9 at a fraction of
	// brotli's top-quality cost.
	brotliPool = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 4) }}
)

// pooledGzip is a gzip writer that writes through dst, so that a finished
// response lets go of its ResponseWriter (dst.w = nil) without a second
// Reset of the encoder.
type pooledGzip struct {
	*gzip.Writer
	dst *redirect
}

func newPooledGzip() *pooledGzip {
	dst := &redirect{}
	w, _ := gzip.NewWriterLevel(dst, gzipLevel) // a valid constant level: no error
	return &pooledGzip{Writer: w, dst: dst}
}

// redirect writes to w; a pooled encoder's w is nil between responses.
type redirect struct{ w io.Writer }

func (r *redirect) Write(p []byte) (int, error) {
	if r.w == nil {
		return 0, io.ErrClosedPipe
	}
	return r.w.Write(p)
}

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
		gw := gzipPool.Get().(*pooledGzip)
		gw.dst.w = c.ResponseWriter
		gw.Reset(gw.dst)
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
		case *pooledGzip:
			zw.dst.w = nil
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
