// Package ingest imports CSV and XLSX files of the registry entities
// (internal/registry) all or nothing: every row of a file is parsed and
// validated first, set-wise (a handful of queries per file, not per row),
// and only a file without a single error is written, in one transaction, as
// the viewer in the context so that the row policies, write scopes and
// validators of the API apply unchanged. Rows name each other by natural
// keys; a row whose key is stored updates that record (or leaves it alone
// when nothing changed), so importing the same file twice changes nothing.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	_ "github.com/tuoyu/tuoyu/ent/runtime" // the schema's hooks, policies and validators
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// Options says what a file holds and how to import it.
type Options struct {
	Entity   string                // registry name
	FileName string                // for format detection, audit, messages
	Format   string                // "csv" | "xlsx" | "" = detect from name/content
	Encoding string                // "" = detect | "utf-8" | "gb18030"
	DryRun   bool                  // validate only; nothing is written (child-data files are still audited)
	Progress func(done, total int) // optional; total 0 when unknown
	// Hasher hashes identity-document numbers (children, staff, ban list
	// and every file naming a child); required for those entities.
	Hasher *pii.Hasher
	// Location reads date-times without an offset (incidents); default Asia/Shanghai.
	Location *time.Location
	// TrustedHashes accepts identity cells written by an export with
	// identity hashes ("HASH:<64 hex>:<masked>", tuoyu export
	// --identity-hashes) as the stored keyed hash and mask, for moving data
	// between two databases that share the PII key (--pii-key). Operator
	// only: set by the CLI flag tuoyu import --identity-hashes, never by
	// GraphQL importData, since whoever may submit a hash could register a
	// person under a number nobody checked. Without it such cells are
	// refused like any other invalid number.
	TrustedHashes bool
	// ErrorCount is for WriteErrorReport only: how many errors the import
	// found, when the errors given to it are only the first MaxErrors (a
	// Result's Errors). The report then says, in its error column's header,
	// that the rest are not marked.
	ErrorCount int
}

// RowError is one problem of a file. Row is the 1-based line (CSV) or row
// (XLSX) in the user's file, 0 for the file as a whole (its entity, the
// viewer's role); Column is the header as written in the file.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"` // BAD_USER_INPUT, CONFLICT, FORBIDDEN, NOT_FOUND
	Message string `json:"message"`
	// col is the column's 0-based position in the file (-1: the whole row
	// or file), which orders a row's errors.
	col int
}

// MarshalJSON writes column as null for a problem of the whole row or
// file, as GraphQL's DataRowError.column does, rather than "".
func (e RowError) MarshalJSON() ([]byte, error) {
	var column *string
	if e.Column != "" {
		column = &e.Column
	}
	return json.Marshal(struct {
		Row     int     `json:"row"`
		Column  *string `json:"column"`
		Code    string  `json:"code"`
		Message string  `json:"message"`
	}{e.Row, column, e.Code, e.Message})
}

// Where names the place of the problem for a reader: "row 3, 证件号码",
// "row 3" for the whole row, "the file" for the file as a whole.
func (e RowError) Where() string {
	switch {
	case e.Row == 0:
		return "the file"
	case e.Column == "":
		return fmt.Sprintf("row %d", e.Row)
	}
	return fmt.Sprintf("row %d, %s", e.Row, e.Column)
}

// Result is the outcome of one file.
type Result struct {
	Entity    string `json:"entity"`
	FileHash  string `json:"fileHash"` // "sha256:<hex>" of the file's bytes
	DryRun    bool   `json:"dryRun"`
	Rows      int    `json:"rows"` // data rows read (blank rows not counted)
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	// Deleted: stored rows the file removes (a dry run: would remove). Only
	// the work calendar removes rows: the days of a year its file no longer lists.
	Deleted    int        `json:"deleted"`
	Errors     []RowError `json:"errors"`     // the first 1,000 in file order (row, then column)
	ErrorCount int        `json:"errorCount"` // all of them
}

// Error codes of RowError.Code (the GraphQL extensions.code values).
const (
	CodeInvalid   = "BAD_USER_INPUT"
	CodeConflict  = "CONFLICT"
	CodeForbidden = "FORBIDDEN"
	CodeNotFound  = "NOT_FOUND"
)

// MaxErrors is how many errors a Result lists; ErrorCount counts them all.
const MaxErrors = 1000

// Import validates the whole file and, when every row is valid and !DryRun, writes it in one
// transaction as the viewer in ctx (internal/auth viewer; write scopes and policies apply).
// Invalid rows: Result.ErrorCount > 0, nothing written, err == nil. err != nil only for
// infrastructure failures (database down, unreadable file).
func Import(ctx context.Context, client *ent.Client, file io.ReaderAt, size int64, opts Options) (*Result, error) {
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(file, 0, size)); err != nil {
		return nil, fmt.Errorf("import: read file: %w", err)
	}
	res := &Result{Entity: opts.Entity, FileHash: "sha256:" + hex.EncodeToString(sum.Sum(nil)), DryRun: opts.DryRun}
	e, ok := registry.Lookup(opts.Entity)
	if !ok {
		res.add(RowError{Code: CodeInvalid, Message: "unknown entity; one of " + strings.Join(registry.Names(), ", ")})
		return res, nil
	}
	res.Entity = e.Name
	h := handlers[e.Name]
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		opts.Location = loc
	}
	if h.identity && opts.Hasher == nil {
		return nil, errors.New("import: no ID-number hasher configured")
	}
	b := &batch{
		ctx: ctx, sys: privacy.DecisionContext(ctx, privacy.Allow), client: client,
		v: auth.FromContext(ctx), e: e, h: h, opts: opts, res: res,
	}
	if msg := b.roleProblem(); msg != "" {
		res.add(RowError{Code: CodeForbidden, Message: msg})
		return res, nil
	}
	t, err := openTable(file, size, opts, e)
	if errors.Is(err, errFormat) {
		res.add(RowError{Code: CodeInvalid, Message: err.Error()})
		return res, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer t.close()
	if !b.mapHeader(t) {
		return res, nil
	}
	if h.chunked {
		return b.importChunked(file, size, t)
	}
	if err := b.readRows(t); err != nil {
		if errors.Is(err, errFormat) {
			res.add(RowError{Row: b.lastLine, Code: CodeInvalid, Message: err.Error()})
			return res, nil
		}
		return nil, fmt.Errorf("import: %w", err)
	}
	res.Rows = len(b.rows)
	if err := b.validate(); err != nil {
		return nil, fmt.Errorf("import %s: %w", e.Name, err)
	}
	if res.ErrorCount > 0 || opts.DryRun {
		if e.Personal {
			// The answer told the viewer which numbers are registered: audited
			// even though nothing is written.
			if err := b.audit(ctx, client); err != nil {
				return nil, fmt.Errorf("import %s: audit: %w", e.Name, err)
			}
		}
		return res, nil
	}
	if err := b.write(); err != nil {
		return nil, fmt.Errorf("import %s: %w", e.Name, err)
	}
	return res, nil
}

// add records an error. Errors holds the first MaxErrors in file order
// (row, then column; equal positions in the order found), whatever order
// the checks find them in: a later check's error on an early row displaces
// the last one listed.
func (res *Result) add(e RowError) {
	res.ErrorCount++
	if e.Column == "" {
		e.col = -1
	}
	n := len(res.Errors)
	if n == MaxErrors && !errorBefore(e, res.Errors[n-1]) {
		return
	}
	// The first listed error that e comes before; errors arrive mostly in
	// order, so this is usually the end.
	i := sort.Search(n, func(i int) bool { return errorBefore(e, res.Errors[i]) })
	if n < MaxErrors {
		res.Errors = append(res.Errors, RowError{})
	}
	copy(res.Errors[i+1:], res.Errors[i:])
	res.Errors[i] = e
}

// errorBefore orders errors by row, then column position in the file.
func errorBefore(a, b RowError) bool {
	if a.Row != b.Row {
		return a.Row < b.Row
	}
	return a.col < b.col
}

// roleProblem says why the viewer may not import this entity at all, or "".
func (b *batch) roleProblem() string {
	switch b.h.writers {
	case provinceWrite:
		if b.v.Role == auth.ProvinceRegulator {
			return ""
		}
		return "the working-day calendar is one for the whole country: it is loaded with a PROVINCE_REGULATOR token"
	case staffWrite:
		if b.v.Role == auth.InstitutionStaff {
			return ""
		}
		if b.v.IsRegulator() && b.e.Name == "enrolments" {
			return "" // regulators may update (end) enrolments in their region; creating is checked per row
		}
		return fmt.Sprintf("%s are recorded by institution staff (INSTITUTION_STAFF) for their own institution", b.e.Name)
	default:
		if b.v.IsRegulator() {
			return ""
		}
		return fmt.Sprintf("%s are managed by regulators (PROVINCE_, CITY_ or DISTRICT_REGULATOR) for their region", b.e.Name)
	}
}

// mapHeader matches the file's header to the entity's columns; false when
// the header has errors (then rows are not read: every cell would be wrong).
func (b *batch) mapHeader(t *table) bool {
	b.pos = make([]int, len(b.e.Columns))
	b.header = make([]string, len(b.e.Columns))
	for i := range b.pos {
		b.pos[i] = -1
	}
	ok := true
	for j, h := range t.header {
		// The error column of a report: its header cell may carry the
		// file's own errors and a note on lines below the name.
		if first, _, _ := strings.Cut(h, "\n"); strings.TrimSpace(h) == "" || normHeader(first) == ErrorColumn {
			continue
		}
		i, found := matchHeader(b.e, h)
		switch {
		case !found:
			b.res.add(RowError{Row: t.line, Column: h, Code: CodeInvalid, Message: fmt.Sprintf("unknown column for %s; use the template's headers or field names", b.e.Name), col: j})
			ok = false
		case b.pos[i] >= 0:
			b.res.add(RowError{Row: t.line, Column: h, Code: CodeInvalid, Message: "column given twice", col: j})
			ok = false
		default:
			b.pos[i], b.header[i] = j, h
		}
	}
	for i, c := range b.e.Columns {
		if b.pos[i] < 0 {
			b.header[i] = c.Header
			if c.Required {
				b.res.add(RowError{Row: t.line, Column: c.Header, Code: CodeInvalid, Message: "required column is missing", col: len(t.header) + i})
				ok = false
			}
		}
	}
	// Rows keep a value slot for each column the file has, not each the
	// entity has: a province file is millions of rows.
	b.slot, b.slots = make([]int, len(b.e.Columns)), 0
	for i := range b.slot {
		b.slot[i] = -1
		if b.pos[i] >= 0 {
			b.slot[i] = b.slots
			b.slots++
		}
	}
	b.idx = make(map[string]int, len(b.e.Columns))
	for i, c := range b.e.Columns {
		b.idx[c.Field] = i
	}
	return ok
}

// cellKey is a cell's column and text, for sharing parsed values.
type cellKey struct {
	col  int
	text string
}

// maxCells bounds the shared parsed values (distinct cells).
const maxCells = 200_000

// readRows parses every record of the file.
func (b *batch) readRows(t *table) error {
	defer func() { b.cells = nil }()
	_, err := b.readChunk(t, 0)
	return err
}

// readChunk parses the next limit records (0 = all) into b.rows; more
// reports that records are left.
func (b *batch) readChunk(t *table, limit int) (more bool, err error) {
	if b.cells == nil {
		b.cells = make(map[cellKey]any)
	}
	b.rows = nil
	for limit == 0 || len(b.rows) < limit {
		rec, line, err := t.next()
		b.lastLine = line
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if blank(rec) {
			continue
		}
		r := &row{line: line, vals: make([]any, b.slots)}
		for i, c := range b.e.Columns {
			p := b.pos[i]
			if p < 0 || p >= len(rec) {
				if c.Required {
					b.fail(r, c.Field, CodeInvalid, "is required")
				}
				continue
			}
			s := strings.TrimSpace(rec[p])
			if t.format == "csv" {
				s = unguard(s)
			}
			if s == "" {
				if c.Required {
					b.fail(r, c.Field, CodeInvalid, "is required")
				}
				continue
			}
			if !utf8.ValidString(s) {
				// Never stored: text in another encoding than the one detected
				// (or given with --encoding) would be kept as raw bytes.
				b.fail(r, c.Field, CodeInvalid, "is not valid UTF-8 text: save the whole file as UTF-8 or as GB18030 (or give the encoding)")
				continue
			}
			// Repeated cells (dates, credit codes, enum values, readings) share
			// one parsed value: a province file repeats them millions of times.
			if v, ok := b.cells[cellKey{i, s}]; ok {
				r.vals[b.slot[i]] = v
				continue
			}
			s = strings.Clone(s) // a CSV field shares its line's memory
			v, err := parseCell(c, s, b.opts.Location)
			if err != nil {
				b.fail(r, c.Field, CodeInvalid, err.Error())
				continue
			}
			r.vals[b.slot[i]] = v
			if len(b.cells) < maxCells {
				b.cells[cellKey{i, s}] = v
			}
		}
		b.rows = append(b.rows, r)
		b.read++
		if b.opts.Progress != nil && b.read%1000 == 0 {
			b.opts.Progress(b.read, 0)
		}
	}
	return true, nil
}

// chunkRows is how many rows a chunked import holds at a time.
var chunkRows = 20_000 // a variable so tests can make chunks small

// importChunked imports an entity whose only rule across rows is its key
// (health records, the largest files) in two passes over the file, so that
// a province file never sits in memory: the first validates chunk by chunk
// keeping only a 16-byte hash of each key (keys given twice are found
// across chunks); if the whole file is valid, the second reads it again and
// writes it chunk by chunk in one transaction, checking each chunk again.
func (b *batch) importChunked(file io.ReaderAt, size int64, t *table) (*Result, error) {
	res := b.res
	defer func() { b.cells, b.seen, b.rows = nil, nil, nil }()
	b.seen = map[keyHash]int{}
	for more := true; more; {
		var err error
		if more, err = b.readChunk(t, chunkRows); err != nil {
			if errors.Is(err, errFormat) {
				res.add(RowError{Row: b.lastLine, Code: CodeInvalid, Message: err.Error()})
				return res, nil
			}
			return nil, fmt.Errorf("import: %w", err)
		}
		if err := b.validate(); err != nil {
			return nil, fmt.Errorf("import %s: %w", b.e.Name, err)
		}
	}
	res.Rows = b.read
	if res.ErrorCount > 0 || b.opts.DryRun {
		if b.e.Personal {
			if err := b.audit(b.ctx, b.client); err != nil {
				return nil, fmt.Errorf("import %s: audit: %w", b.e.Name, err)
			}
		}
		return res, nil
	}
	t2, err := openTable(file, size, b.opts, b.e)
	if err != nil {
		return nil, fmt.Errorf("import: second pass: %w", err)
	}
	defer t2.close()
	b.mapHeader(t2)
	b.seen = nil // keys are known distinct now: each chunk checks its own only
	res.clearCounts()
	tx, err := b.client.Tx(b.ctx)
	if err != nil {
		return nil, fmt.Errorf("import %s: begin: %w", b.e.Name, err)
	}
	done := 0
	for more := true; more; {
		if more, err = b.readChunk(t2, chunkRows); err == nil {
			err = b.validate()
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("import %s: %w", b.e.Name, err), tx.Rollback())
		}
		if res.ErrorCount > 0 { // the stored data changed since the first pass
			return res, tx.Rollback()
		}
		failed, err := b.writeRows(tx, b.good(), &done, res.Rows)
		if err != nil || failed {
			return resOrNil(res, err), errors.Join(err, tx.Rollback())
		}
	}
	if err := b.finish(tx, res.Rows); err != nil {
		return nil, fmt.Errorf("import %s: %w", b.e.Name, err)
	}
	return res, nil
}

func resOrNil(res *Result, err error) *Result {
	if err != nil {
		return nil
	}
	return res
}

// unguard removes the apostrophe a CSV export puts before a cell starting
// with = + - @ (tab, CR) so that Excel reads it as text (CSV injection):
// exported CSV cells then read back exactly. Only one apostrophe, and only
// before such a character: "'abc" stays as written.
func unguard(s string) string {
	if len(s) < 2 || s[0] != '\'' {
		return s
	}
	switch s[1] {
	case '=', '+', '-', '@', '\t', '\r':
		return strings.TrimSpace(s[1:])
	}
	return s
}
