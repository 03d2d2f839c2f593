package schema

import (
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// TestCodeUnderWritesOnlyDigits: a region prefix of digits is written into
// the statement (no argument left for a generic plan to guess at); anything
// else stays an argument, so no value but digits ever reaches the text.
func TestCodeUnderWritesOnlyDigits(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		for _, c := range []struct {
			prefix  string
			literal bool
			arg     string
		}{
			{prefix: "21", literal: true},
			{prefix: "210102", literal: true},
			{prefix: "21' OR '1'='1", arg: "21' OR '1'='1%"},
			{prefix: "2_", arg: `2\_%`},
			{prefix: "", arg: "%"},
		} {
			s := sql.Dialect(d).Select("id").From(sql.Table("regions"))
			s.Where(codeUnder(s.C("code"), c.prefix))
			query, args := s.Query()
			if c.literal {
				if !strings.HasSuffix(query, "code"+quote(d)+" LIKE '"+c.prefix+"%'") || len(args) != 0 {
					t.Errorf("%s, prefix %q: %s %v; want LIKE '%s%%' and no argument", d, c.prefix, query, args, c.prefix)
				}
				continue
			}
			if len(args) == 0 || args[0] != c.arg || strings.Contains(query, "'") {
				t.Errorf("%s, prefix %q: %s %v; want the prefix as the argument %q and no literal", d, c.prefix, query, args, c.arg)
			}
		}
	}
}

// quote is the dialect's identifier quote.
func quote(d string) string {
	if d == dialect.SQLite {
		return "`"
	}
	return `"`
}

// TestFiledStatusWritesConstants: PUBLIC's directory filter is written
// into the statement (two constants, no argument).
func TestFiledStatusWritesConstants(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		s := sql.Dialect(d).Select("id").From(sql.Table("filings"))
		filedStatus(s)
		query, args := s.Query()
		if want := "status" + quote(d) + " IN ('FILED', 'CHANGED')"; !strings.HasSuffix(query, want) || len(args) != 0 {
			t.Errorf("%s: %s %v; want …%s and no argument", d, query, args, want)
		}
	}
}
