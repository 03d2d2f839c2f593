package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/tuoyu/tuoyu/internal/precompress"
)

// TestOfferedMemoEncodesOnce: a body whose memo the handler offers is
// encoded once per encoding and then sent as kept; the memo never changes
// what is sent (another body with the same memo, longer or shorter, is
// encoded afresh), and a handler that flushes midway streams as before.
func TestOfferedMemoEncodesOnce(t *testing.T) {
	memo := &precompress.Memo{}
	kept := []byte(`{"data":{"values":[` + strings.Repeat(`{"value":0.25,"region":"210102"},`, 200) + `{}]}}`)
	other := bytes.Replace(kept, []byte("0.25"), []byte("0.50"), 1)
	var body []byte
	flush := false
	h := withCompression(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		precompress.Offer(r.Context(), memo)
		w.Header().Set("Content-Type", "application/json")
		half := len(body) / 2
		_, _ = w.Write(body[:half])
		if flush {
			w.(http.Flusher).Flush()
		}
		_, _ = w.Write(body[half:])
	}))
	send := func(enc string) (wire, plain []byte) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding"); got != enc {
			t.Fatalf("Content-Encoding %q; want %q", got, enc)
		}
		wire = rec.Body.Bytes()
		var r io.Reader = bytes.NewReader(wire)
		if enc == "gzip" {
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else {
			r = brotli.NewReader(r)
		}
		plain, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return wire, plain
	}

	// gzip: the memo already keeps an encoding (gzip -9, unlike the
	// middleware's level 1): that is what is sent.
	var best bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&best, gzip.BestCompression)
	_, _ = zw.Write(kept)
	_ = zw.Close()
	memo.Keep("gzip", kept, best.Bytes())
	body = kept
	if wire, plain := send("gzip"); !bytes.Equal(wire, best.Bytes()) || !bytes.Equal(plain, kept) {
		t.Errorf("gzip: sent %d bytes, not the %d kept", len(wire), best.Len())
	}
	// br: encoded at the first request, kept, and sent again.
	first, plain := send("br")
	if !bytes.Equal(plain, kept) {
		t.Fatal("br: decoded body differs from the one written")
	}
	if plain, packed, ok := memo.Form("br"); !ok || !bytes.Equal(plain, kept) || !bytes.Equal(packed, first) {
		t.Fatal("br: the memo does not keep the encoding sent")
	}
	if again, _ := send("br"); !bytes.Equal(again, first) {
		t.Error("br: the second response is not the kept encoding")
	}
	for name, b := range map[string][]byte{"other": other, "shorter": kept[:len(kept)-10], "longer": append(slices.Clone(kept), ' ')} {
		body = b
		if _, plain := send("gzip"); !bytes.Equal(plain, b) {
			t.Errorf("%s body under the same memo was not sent as written", name)
		}
	}
	body, flush = kept, true
	if _, plain := send("gzip"); !bytes.Equal(plain, kept) {
		t.Error("a flushed body was not sent as written")
	}
}
