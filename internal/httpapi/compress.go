package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"

	"github.com/tuoyu/tuoyu/internal/precompress"
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
//
// The encoder is github.com/klauspost/compress/gzip (already in the module
// graph through the Prometheus client), a drop-in for compress/gzip: at
// level 1 it took 40 µs against the standard library's 72–78 µs for list20
// and 126–139 µs against 293–312 µs for nested3, whose body it also makes
// smaller (5,803 bytes against 6,168), side by side in one run of
// BenchmarkGzipListPages (bench/RESULTS.md, "The gzip encoder").
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
		ctx, slot := precompress.WithSlot(r.Context())
		cw := &compressWriter{ResponseWriter: w, enc: enc, slot: slot}
		defer cw.close()
		next.ServeHTTP(cw, r.WithContext(ctx))
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
//
// When the handler offered a memo (internal/precompress) before its first
// write, the body is compared, write by write and without a copy, with the
// body the memo keeps for the encoding; if it is that body, the kept
// encoding is sent. A body that differs is encoded as any other; a memo
// without a body for the encoding yet gets this one, held back whole,
// and its encoding.
type compressWriter struct {
	http.ResponseWriter
	enc         string
	slot        *precompress.Slot
	status      int
	buf         []byte
	decided     bool
	passthrough bool
	zw          io.WriteCloser
	flush       func() error

	memo         *precompress.Memo // offered, seen at the first write
	kept, packed []byte            // the memo's body and its encoding
	matched      int               // bytes of kept written so far
	memoLooked   bool
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
	if !c.memoLooked {
		c.memoLooked = true
		if c.memo = c.slot.Memo(); c.memo != nil {
			c.kept, c.packed, _ = c.memo.Form(c.enc)
		}
	}
	if c.kept != nil {
		if end := c.matched + len(p); end <= len(c.kept) && bytes.Equal(p, c.kept[c.matched:end]) {
			c.matched = end
			return len(p), nil
		}
		c.dropKept() // not the kept body: encoded as any other
	}
	if c.memo == nil && len(c.buf)+len(p) >= minCompressSize {
		// Start with what was held back, then p itself, without a copy.
		if err := c.start(); err != nil {
			return 0, err
		}
		return c.zw.Write(p)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// dropKept stops comparing with the memo's body: what matched so far is
// held back as written, and the memo is left alone.
func (c *compressWriter) dropKept() {
	c.buf = append([]byte(nil), c.kept[:c.matched]...)
	c.kept, c.packed, c.matched, c.memo = nil, nil, 0, nil
}

// start begins the compressed body with what was held back.
func (c *compressWriter) start() error {
	c.writeEncodedHeader()
	c.zw, c.flush = acquireEncoder(c.enc, c.ResponseWriter)
	_, err := c.zw.Write(c.buf)
	c.buf = nil
	return err
}

// acquireEncoder takes a pooled encoder for enc ("br" or "gzip") writing
// to dst, with its Flush; releaseEncoder returns it to its pool.
func acquireEncoder(enc string, dst io.Writer) (io.WriteCloser, func() error) {
	if enc == "br" {
		bw := brotliPool.Get().(*brotli.Writer)
		bw.Reset(dst)
		return bw, bw.Flush
	}
	gw := gzipPool.Get().(*pooledGzip)
	gw.dst.w = dst
	gw.Reset(gw.dst)
	return gw, gw.Flush
}

// releaseEncoder returns an encoder of acquireEncoder, closed or not, to
// its pool, letting go of its destination.
func releaseEncoder(zw io.WriteCloser) {
	switch zw := zw.(type) {
	case *pooledGzip:
		zw.dst.w = nil
		gzipPool.Put(zw)
	case *brotli.Writer:
		zw.Reset(io.Discard)
		brotliPool.Put(zw)
	}
}

// Flush sends what is buffered (compressed, if compression started).
func (c *compressWriter) Flush() {
	if c.status == 0 {
		return
	}
	if !c.decided {
		if c.kept != nil {
			c.dropKept()
		}
		c.memo = nil // streamed from here: not kept
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
	if c.status == 0 || c.passthrough {
		return
	}
	if c.kept != nil {
		if c.matched == len(c.kept) {
			c.writeEncodedHeader()
			_, _ = c.ResponseWriter.Write(c.packed)
			return
		}
		c.dropKept() // a shorter body
	}
	if c.zw == nil && len(c.buf) >= minCompressSize {
		if c.memo != nil {
			c.writeMemoized(c.memo)
			return
		}
		if err := c.start(); err != nil {
			return
		}
	}
	if c.zw == nil { // small body: send it uncompressed
		c.ResponseWriter.WriteHeader(c.status)
		_, _ = c.ResponseWriter.Write(c.buf)
		return
	}
	_ = c.zw.Close()
	releaseEncoder(c.zw)
}

// writeMemoized encodes the whole body held back, keeps it and its
// encoding in memo (which had none for the encoding) and sends it.
func (c *compressWriter) writeMemoized(memo *precompress.Memo) {
	var out bytes.Buffer
	if err := c.encode(&out); err != nil {
		// Not kept; the body goes as it is.
		c.ResponseWriter.WriteHeader(c.status)
		_, _ = c.ResponseWriter.Write(c.buf)
		return
	}
	packed := out.Bytes()
	memo.Keep(c.enc, c.buf, packed)
	c.writeEncodedHeader()
	_, _ = c.ResponseWriter.Write(packed)
}

// writeEncodedHeader sends the status with the headers of an encoded body.
func (c *compressWriter) writeEncodedHeader() {
	c.decided = true
	h := c.Header()
	h.Set("Content-Encoding", c.enc)
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	c.ResponseWriter.WriteHeader(c.status)
}

// encode writes c.buf to dst in c.enc with a pooled encoder.
func (c *compressWriter) encode(dst io.Writer) error {
	zw, _ := acquireEncoder(c.enc, dst)
	defer releaseEncoder(zw)
	if _, err := zw.Write(c.buf); err != nil {
		return err
	}
	return zw.Close()
}
