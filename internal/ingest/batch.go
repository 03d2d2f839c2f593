package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/registry"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// row is one record of the file: its parsed cells and, after validation,
// the stored rows it names and what writing it will do.
type row struct {
	line int
	vals []any // by entity column index; nil = empty cell
	bad  bool

	// references resolved from natural keys
	regionID, parentID int    // regionCode/residenceRegionCode, parentCode
	region             string // code of the row's region (scope of regulators)
	inst               int    // institutionCreditCode
	child              int    // childIdDocumentType + childIdNumber
	staff              int    // staffIdNumber (certifications)
	insp               int    // inspection of a finding
	hash, masked       string // the row's own identity document (children, staff, ban list)
	docType            string // children: normalised document type
	childRegisteredBy  *int   // child rows: stored registering institution

	op       outcome
	id       int // stored row updated (op == opUpdate / opSame)
	existing any // stored ent row

	seats *seatPlan // seats only
}

type outcome int

const (
	opCreate outcome = iota
	opUpdate
	opSame
)

// batch is one file being imported.
type batch struct {
	ctx    context.Context // the viewer's
	sys    context.Context // lookups as the system
	client *ent.Client
	v      *auth.Viewer
	e      registry.Entity
	h      *handler
	opts   Options
	res    *Result

	pos      []int          // file column of each entity column, -1 when absent
	slot     []int          // index in row.vals of each entity column, -1 when absent
	slots    int            // len(row.vals)
	header   []string       // header of each entity column as in the file
	idx      map[string]int // field → entity column index
	rows     []*row
	read     int // data rows read so far
	lastLine int

	regionIDs map[string]int // code → id (regions entity: grows while writing)
	cells     map[cellKey]any
	docs      map[string]docInfo // identity documents seen, by type and number
	// doclessReadable: children without a document the viewer can read
	// (set by doclessChildren).
	doclessReadable map[int]bool
	cal             *workday.Calendar // complaints: the official calendar, loaded once
	calErr          error
	seen            map[keyHash]int // keys of earlier chunks (chunked import), by row
}

// val is the parsed value of field in r (nil when empty or absent).
func (b *batch) val(r *row, field string) any {
	i, ok := b.idx[field]
	if !ok || b.slot[i] < 0 {
		return nil
	}
	return r.vals[b.slot[i]]
}

func (b *batch) str(r *row, field string) string {
	s, _ := b.val(r, field).(string)
	return s
}

func (b *batch) date(r *row, field string) (time.Time, bool) {
	t, ok := b.val(r, field).(time.Time)
	return t, ok
}

func (b *batch) num(r *row, field string) (int64, bool) {
	n, ok := b.val(r, field).(int64)
	return n, ok
}

func (b *batch) dec(r *row, field string) (float64, bool) {
	f, ok := b.val(r, field).(float64)
	return f, ok
}

// present reports whether the file has the column of field.
func (b *batch) present(field string) bool {
	i, ok := b.idx[field]
	return ok && b.pos[i] >= 0
}

// fail records an error of r in the column of field (an entity field name;
// an ent snake_case name is mapped to its column).
func (b *batch) fail(r *row, field, code, msg string) {
	r.bad = true
	col := b.column(field)
	b.res.add(RowError{Row: r.line, Column: col, Code: code, Message: msg, col: b.colPos(col)})
}

// colPos is the 0-based position in the file of the column headed col
// (as b.column names it); columns the file lacks come after its own.
func (b *batch) colPos(col string) int {
	if col == "" {
		return -1
	}
	for i, h := range b.header {
		if h == col {
			if b.pos[i] >= 0 {
				return b.pos[i]
			}
			return len(b.pos) + 1000 + i
		}
	}
	return len(b.pos) + 2000
}

// column is the header, as in the file, of the column of field.
func (b *batch) column(field string) string {
	if i, ok := b.idx[field]; ok {
		return b.header[i]
	}
	if f, ok := entFieldColumn[field]; ok {
		if i, ok := b.idx[f]; ok {
			return b.header[i]
		}
	}
	camel := snakeToCamel(field)
	if i, ok := b.idx[camel]; ok {
		return b.header[i]
	}
	// A field the file has no column for (e.g. the institution of a staff
	// import): report it by the key's first column.
	if k := b.e.KeyFields(); len(k) > 0 {
		return b.header[b.idx[k[0]]]
	}
	return ""
}

// entFieldColumn maps ent foreign keys and hidden fields to the column that names them.
var entFieldColumn = map[string]string{
	"institution_id":      "institutionCreditCode",
	"child_id":            "childIdNumber",
	"childID":             "childIdNumber",
	"staff_id":            "staffIdNumber",
	"region_id":           "regionCode",
	"parent_id":           "parentCode",
	"residence_region_id": "residenceRegionCode",
	"inspection_id":       "inspectedOn",
	"id_number":           "idNumber",
	"id_number_hash":      "idNumber",
	"id":                  "",
}

func snakeToCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// good lists the rows without errors so far.
func (b *batch) good() []*row {
	out := make([]*row, 0, len(b.rows))
	for _, r := range b.rows {
		if !r.bad {
			out = append(out, r)
		}
	}
	return out
}

// validate runs every check of the file: references, scope, natural keys
// against the stored rows, and the rules across rows.
func (b *batch) validate() error {
	if err := b.resolve(); err != nil {
		return err
	}
	for _, r := range b.rows {
		b.checkRow(r)
	}
	if err := b.match(); err != nil {
		return err
	}
	if b.h.check != nil {
		if err := b.h.check(b); err != nil {
			return err
		}
	}
	for _, r := range b.rows {
		if r.bad {
			continue
		}
		switch r.op {
		case opCreate:
			b.res.Created++
		case opUpdate:
			b.res.Updated++
		case opSame:
			b.res.Unchanged++
		}
	}
	if b.res.ErrorCount > 0 {
		b.res.clearCounts()
	}
	return nil
}

// clearCounts forgets what a file would do once it has an error: nothing
// is written.
func (res *Result) clearCounts() {
	res.Created, res.Updated, res.Unchanged, res.Deleted = 0, 0, 0, 0
}

// checkRow applies the per-row rules: field validators and date order.
func (b *batch) checkRow(r *row) {
	for field, check := range b.h.validators {
		if v := b.val(r, field); v != nil {
			if err := check(v); err != nil {
				b.fail(r, field, CodeInvalid, validatorMessage(err))
			}
		}
	}
	for _, o := range b.h.order {
		from, ok1 := b.val(r, o.from).(time.Time)
		to, ok2 := b.val(r, o.to).(time.Time)
		if !ok1 || !ok2 {
			continue
		}
		if o.sameDay && to.Before(from) {
			b.fail(r, o.to, CodeInvalid, "must not be before "+b.column(o.from))
		}
		if !o.sameDay && !to.After(from) {
			b.fail(r, o.to, CodeInvalid, "must be after "+b.column(o.from))
		}
	}
	if b.h.row != nil {
		b.h.row(b, r)
	}
}

// validatorMessage is an ent validator's rule without the field name ent puts in front.
func validatorMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.Contains(msg[:i], "validator") {
		msg = msg[i+2:]
	}
	if strings.HasPrefix(msg, "value out of range") {
		return "is out of the allowed range"
	}
	if strings.HasPrefix(msg, "value is greater than the required length") {
		return "is too long"
	}
	if strings.HasPrefix(msg, "value is less than") || strings.HasPrefix(msg, "value must be") {
		return "is out of the allowed range"
	}
	return msg
}

// match finds the stored row of every valid row by natural key, decides
// create / update / unchanged, and reports keys given twice in the file.
func (b *batch) match() error {
	rows := b.good()
	if b.h.plan != nil {
		return b.h.plan(b, rows)
	}
	stored, err := b.h.load(b, rows)
	if err != nil {
		return err
	}
	byKey := make(map[keyHash]any, len(stored))
	for _, x := range stored {
		k := hashKey(b.h.storedKey(x))
		if _, dup := byKey[k]; !dup {
			byKey[k] = x // several stored rows with one key: the first (lowest id) is updated
		}
	}
	seen := b.seen
	if seen == nil {
		seen = make(map[keyHash]int, len(rows))
	}
	for _, r := range rows {
		k := hashKey(b.h.key(b, r))
		if first, dup := seen[k]; dup {
			b.fail(r, b.e.KeyFields()[len(b.e.KeyFields())-1], CodeConflict, fmt.Sprintf("the same key (%s) as row %d of this file", b.e.Key, first))
			continue
		}
		seen[k] = r.line
		x, ok := byKey[k]
		if !ok {
			r.op = opCreate
			continue
		}
		r.existing, r.id = x, entID(x)
		m := b.h.update(b.client, r.id)
		b.h.set(b, r, m, true)
		if differs(m, x) {
			r.op = opUpdate
		} else {
			r.op = opSame
		}
	}
	return nil
}

// keyHash is a natural key reduced to 128 bits (two independent 64-bit
// hashes of normKey): a province file has millions of keys, and 16 bytes a
// key instead of the key's text keeps them in memory; a collision (2^-128)
// is not a practical concern.
type keyHash [2]uint64

var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func hashKey(vals []any) keyHash {
	k := normKey(vals)
	return keyHash{maphash.String(keySeeds[0], k), maphash.String(keySeeds[1], k)}
}

// normKey is a natural key as one comparable string.
func normKey(vals []any) string {
	var sb strings.Builder
	for i, v := range vals {
		if i > 0 {
			sb.WriteByte(0x1f)
		}
		sb.WriteString(norm(v))
	}
	return sb.String()
}

// norm is a value as a string that is equal for equal stored and parsed values.
func norm(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return ""
		}
		return norm(rv.Elem().Interface())
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func entID(x any) int {
	return int(reflect.ValueOf(x).Elem().FieldByName("ID").Int())
}

var fieldIndexCache sync.Map // reflect.Type → map[json name]index

// storedField returns the field of stored ent row x whose JSON name is name.
func storedField(x any, name string) (any, bool) {
	rv := reflect.ValueOf(x).Elem()
	t := rv.Type()
	var idx map[string]int
	if c, ok := fieldIndexCache.Load(t); ok {
		idx = c.(map[string]int)
	} else {
		idx = map[string]int{}
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if tag != "" && tag != "-" {
				idx[tag] = i
			}
		}
		fieldIndexCache.Store(t, idx)
	}
	i, ok := idx[name]
	if !ok {
		return nil, false
	}
	return rv.Field(i).Interface(), true
}

// differs reports whether applying update mutation m to stored row x changes it.
func differs(m ent.Mutation, x any) bool {
	for _, f := range m.Fields() {
		nv, _ := m.Field(f)
		old, ok := storedField(x, f)
		if ok && norm(nv) != norm(old) {
			return true
		}
	}
	for _, f := range m.ClearedFields() {
		old, ok := storedField(x, f)
		if ok && norm(old) != "" {
			return true
		}
	}
	return false
}

// write stores every row in one transaction as the viewer.
func (b *batch) write() (err error) {
	rows := b.good()
	if b.h.sort != nil {
		b.h.sort(b, rows)
	}
	tx, err := b.client.Tx(b.ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	done := 0
	failed, err := b.writeRows(tx, rows, &done, len(rows))
	if err == nil && !failed && b.h.afterWrite != nil {
		err = b.h.afterWrite(b, tx)
	}
	if err != nil || failed {
		return errors.Join(err, tx.Rollback())
	}
	return b.finish(tx, len(rows))
}

// writeRows writes rows in tx; failed reports a row error the checks did
// not foresee (recorded in the result: the caller rolls back).
func (b *batch) writeRows(tx *ent.Tx, rows []*row, done *int, total int) (failed bool, err error) {
	c := tx.Client()
	// Only the multi-row inserts of new children, enrolments and health
	// records skip the hooks' per-row cross-row lookups (overlap, ban list),
	// which the import checked set-wise for the whole file. Every other
	// write runs every hook as the API does: a filing's status change
	// writes its history, a complaint gets its handling deadline.
	ctx := b.ctx
	if b.h.bulk != nil {
		if rows, err = b.bulkCreate(bulkloadCtx(b.ctx), c, rows, done, total); err != nil {
			return false, err
		}
		if b.res.ErrorCount > 0 {
			b.res.clearCounts()
			return true, nil
		}
	}
	for _, r := range rows {
		if b.h.writeRow != nil {
			err = b.h.writeRow(b, ctx, c, r)
		} else {
			err = b.writeRow(ctx, c, r)
		}
		if err != nil {
			if b.writeError(r, err) {
				b.res.clearCounts()
				return true, nil
			}
			return false, err
		}
		*done++
		if b.opts.Progress != nil && *done%500 == 0 {
			b.opts.Progress(*done, total)
		}
	}
	return false, nil
}

// finish audits (children's data) and commits tx.
func (b *batch) finish(tx *ent.Tx, total int) error {
	if b.e.Personal {
		if err := b.audit(ent.NewTxContext(b.ctx, tx), tx.Client()); err != nil {
			return errors.Join(fmt.Errorf("audit: %w", err), tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if b.opts.Progress != nil {
		b.opts.Progress(total, total)
	}
	return nil
}

// writeRow creates or updates r through ent: hooks, validators and row
// policies run as for an API mutation.
func (b *batch) writeRow(ctx context.Context, c *ent.Client, r *row) error {
	var m ent.Mutation
	switch r.op {
	case opSame:
		return nil
	case opCreate:
		m = b.h.create(c)
		b.h.set(b, r, m, false)
	case opUpdate:
		m = b.h.update(c, r.id)
		b.h.set(b, r, m, true)
	}
	if b.e.Name == "enrolments" && b.v.Role == auth.InstitutionStaff {
		// The file gives the child's document number, as a parent presents
		// it: the same grant as createEnrolment with childIdNumber.
		ctx = auth.WithPresentedChild(ctx, r.child)
	}
	v, err := c.Mutate(ctx, m)
	if err != nil {
		return err
	}
	if b.h.created != nil && r.op == opCreate {
		b.h.created(b, r, v)
	}
	return nil
}

// writeError turns a write error the checks did not foresee into an error
// of row r; false when it is not the user's (database down): then it is
// returned as it is.
func (b *batch) writeError(r *row, err error) bool {
	var fe *apperr.FieldError
	var ve *ent.ValidationError
	switch {
	case errors.As(err, &fe):
		code := CodeInvalid
		switch {
		case errors.Is(fe.Kind, apperr.ErrConflict):
			code = CodeConflict
		case errors.Is(fe.Kind, apperr.ErrForbidden):
			code = CodeForbidden
		case errors.Is(fe.Kind, apperr.ErrNotFound):
			code = CodeNotFound
		}
		b.fail(r, fe.Field, code, fe.Message)
	case errors.As(err, &ve):
		b.fail(r, ve.Name, CodeInvalid, validatorMessage(ve.Unwrap()))
	case errors.Is(err, apperr.ErrForbidden) || isPrivacyDeny(err):
		b.fail(r, "", CodeForbidden, "outside the viewer's write scope")
	case ent.IsConstraintError(err):
		b.fail(r, "", CodeConflict, "collides with a stored record")
	default:
		return false
	}
	return true
}

// sortRows orders rows by a key (stable).
func sortRows(rows []*row, less func(a, b *row) bool) {
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
}

// bulkRows is how many rows one multi-row INSERT carries: under SQLite's
// 32,766 parameters for the widest entity.
const bulkRows = 1000

// bulkCreate inserts the new rows of a large entity (health records,
// children, enrolments) with multi-row INSERTs through ent (CreateBulk):
// field validators and hooks (KPI maintenance among them) still run per
// row, but the row policy is evaluated as the system, because the import
// has already checked every rule it applies for the whole file (role,
// the viewer's institution, children the viewer may read or presented by
// number, daily checks of children in care). It returns the rows left
// for writeRow (updates).
func (b *batch) bulkCreate(ctx context.Context, c *ent.Client, rows []*row, done *int, total int) ([]*row, error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	var rest, batch []*row
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		fill := func(i int, m ent.Mutation) { b.h.set(b, batch[i], m, false) }
		if err := b.h.bulk(sys, c, len(batch), fill); err != nil {
			if b.writeError(batch[0], err) {
				return nil
			}
			return err
		}
		*done += len(batch)
		if b.opts.Progress != nil {
			b.opts.Progress(*done, total)
		}
		batch = batch[:0]
		return nil
	}
	for _, r := range rows {
		if r.op != opCreate {
			rest = append(rest, r)
			continue
		}
		batch = append(batch, r)
		if len(batch) == bulkRows {
			if err := flush(); err != nil || b.res.ErrorCount > 0 {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return rest, nil
}
