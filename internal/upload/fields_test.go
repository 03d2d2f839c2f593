package upload_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/upload"
)

// countingReader counts the bytes read from a request body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// multipartBody writes the parts in order (name, content; a name starting
// with "file" is a file part).
func multipartBody(t *testing.T, parts ...[2]string) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if strings.HasPrefix(p[0], "file") {
			w, err = mw.CreateFormFile(p[0], "rows.csv")
		} else {
			w, err = mw.CreateFormField(p[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, p[1])
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// TestReadFields: the operations and map parts are capped together at the
// limit (files are not), the source is read no further than the limit plus
// the slack for headers, and the transport reads the whole body afterwards.
func TestReadFields(t *testing.T) {
	const limit = 1000
	ops := `{"query":"{ viewer { role } }"}`
	tests := []struct {
		name    string
		parts   [][2]string
		wantOps string
		wantErr error // nil: no error; errOther: any other error
	}{
		{"small parts and a large file", [][2]string{{"operations", ops}, {"map", `{"0":["variables.file"]}`}, {"file0", strings.Repeat("x", 10*limit)}}, ops, nil},
		{"operations at the limit", [][2]string{{"operations", strings.Repeat(" ", limit-2) + "{}"}, {"map", ""}}, strings.Repeat(" ", limit-2) + "{}", nil},
		{"operations over the limit", [][2]string{{"operations", ops + strings.Repeat(" ", 200<<10)}, {"map", "{}"}}, "", upload.ErrFieldsTooLarge},
		{"operations and map over the limit together", [][2]string{{"operations", ops + strings.Repeat(" ", limit-len(ops)-1)}, {"map", "{} "}}, "", upload.ErrFieldsTooLarge},
		{"part headers beyond the slack", [][2]string{{"operations" + strings.Repeat("x", 100<<10), ops}}, "", upload.ErrFieldsTooLarge},
		{"map missing", [][2]string{{"operations", ops}, {"file0", "x"}}, "", errOther},
		{"operations not first", [][2]string{{"map", "{}"}, {"operations", ops}}, "", errOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, contentType := multipartBody(t, tt.parts...)
			src := &countingReader{r: bytes.NewReader(body)}
			req := httptest.NewRequest("POST", "/query", io.NopCloser(src))
			req.Header.Set("Content-Type", contentType)
			got, err := upload.ReadFields(req, limit)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr == errOther && (err == nil || errors.Is(err, upload.ErrFieldsTooLarge)):
				t.Fatalf("error %v, want a spec error", err)
			case tt.wantErr == upload.ErrFieldsTooLarge && !errors.Is(err, upload.ErrFieldsTooLarge):
				t.Fatalf("error %v, want ErrFieldsTooLarge", err)
			}
			if string(got) != tt.wantOps {
				t.Errorf("operations %.40q, want %.40q", got, tt.wantOps)
			}
			if src.n > limit+64<<10 {
				t.Errorf("read %d bytes of the body before answering", src.n)
			}
			if tt.wantErr == upload.ErrFieldsTooLarge {
				return
			}
			rest, err := io.ReadAll(req.Body)
			if err != nil || !bytes.Equal(rest, body) {
				t.Errorf("body after ReadFields differs (%d bytes, want %d), %v", len(rest), len(body), err)
			}
		})
	}
}

var errOther = errors.New("another error")
