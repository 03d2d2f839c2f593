package idempotency_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/idempotency"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// commitDropper is a loopback TCP proxy in front of PostgreSQL. When armed,
// it forwards the next COMMIT, waits for PostgreSQL's answer (so the commit
// has happened) and then, instead of passing the answer on, closes both
// connections: the client sees its commit fail though it committed, as when
// the network drops the acknowledgement.
type commitDropper struct {
	ln      net.Listener
	target  string
	armed   atomic.Bool
	dropped atomic.Int64
	wg      sync.WaitGroup
}

func newCommitDropper(t *testing.T, target string) *commitDropper {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitDropper{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *commitDropper) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		var drop atomic.Bool
		p.wg.Add(2)
		go func() { // client → server, message by message
			defer p.wg.Done()
			defer s.Close()
			first := true
			for {
				msg, err := readMessage(c, first)
				if err != nil {
					return
				}
				first = false
				if msg[0] == 'Q' && strings.HasPrefix(strings.ToUpper(string(msg[5:])), "COMMIT") && p.armed.CompareAndSwap(true, false) {
					drop.Store(true)
				}
				if _, err := s.Write(msg); err != nil {
					return
				}
			}
		}()
		go func() { // server → client, unless the answer is to a dropped COMMIT
			defer p.wg.Done()
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 && drop.Load() {
					p.dropped.Add(1)
					s.Close()
					return
				}
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// readMessage reads one frontend message: the startup message has no type
// byte, every later one does.
func readMessage(r io.Reader, startup bool) ([]byte, error) {
	head := 5
	if startup {
		head = 4
	}
	buf := make([]byte, head)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(buf[head-4:]))
	if n < 4 || n > 64<<20 {
		return nil, io.ErrUnexpectedEOF
	}
	msg := make([]byte, head+n-4)
	copy(msg, buf)
	if _, err := io.ReadFull(r, msg[head:]); err != nil {
		return nil, err
	}
	return msg, nil // a startup message starts with its length's high byte, never 'Q'

}

// TestLostCommitAcknowledgement drops the connection between the server's
// pool and PostgreSQL right after a mutation's COMMIT reached PostgreSQL.
// The client gets an error and retries: with an Idempotency-Key the retry
// replays the committed result and exactly one row exists; without one (the
// control) the retry writes a duplicate.
func TestLostCommitAcknowledgement(t *testing.T) {
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" || testdb.Dialect() != "postgres" {
		if os.Getenv("CI") != "" && os.Getenv("TEST_DIALECT") != "sqlite" {
			t.Fatal("CI is set but TEST_DATABASE_URL is not")
		}
		t.Skip("needs PostgreSQL (TEST_DATABASE_URL)")
	}
	// A fresh database, migrated directly.
	d := testdb.OpenPostgres(t)
	var name string
	if err := d.SQL.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCommitDropper(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	u.Path = "/" + name
	cfg := db.Defaults()
	cfg.URL = u.String()
	ctx := context.Background()
	viaProxy, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { viaProxy.Close() })
	if st, err := migrate.Check(ctx, viaProxy.SQL, viaProxy.Dialect); err != nil || len(st.Pending) > 0 {
		t.Fatalf("migrations: %v %v", st, err)
	}
	client := viaProxy.Client()
	schema := graph.NewSchema(graph.Deps{Client: client, Driver: viaProxy.Driver, Dialect: viaProxy.Dialect})
	h := graph.NewHandler(schema, client, graph.HandlerOptions{})
	zhang := &auth.Viewer{Subject: "zhang", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	rid := seedRegion(t, d.Client)
	count := func(respondents int) int {
		n, err := d.Client.Survey.Query().Where(survey.Respondents(respondents)).Count(privacy.DecisionContext(ctx, privacy.Allow))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, tc := range []struct {
		name        string
		respondents int
		key         []string
		want        int
	}{
		{"with Idempotency-Key", 10, []string{"retry-me-1"}, 1},
		{"without a key (control)", 20, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := proxy.dropped.Load()
			proxy.armed.Store(true)
			_, lost := send(t, h, zhang, createSurvey, surveyInput(rid, tc.respondents), tc.key...)
			if proxy.dropped.Load() != before+1 {
				t.Fatalf("the proxy dropped no COMMIT acknowledgement; response %s", lost.Body)
			}
			if len(lost.Errors) == 0 {
				t.Fatalf("the client was told the lost commit succeeded: %s", lost.Body)
			}
			if n := count(tc.respondents); n != 1 {
				t.Fatalf("%d rows after the lost acknowledgement; the commit must have happened once", n)
			}
			rec, retry := send(t, h, zhang, createSurvey, surveyInput(rid, tc.respondents), tc.key...)
			if len(retry.Errors) > 0 {
				t.Fatalf("retry: %s", retry.Body)
			}
			if tc.key != nil && rec.Header().Get(idempotency.ReplayedHeader) != "true" {
				t.Fatalf("the retry ran again instead of replaying: %s", retry.Body)
			}
			if n := count(tc.respondents); n != tc.want {
				t.Fatalf("%d rows after the retry; want %d", n, tc.want)
			}
		})
	}
}
