package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// The audit trail of an export (audit_logs, the table GraphQL reads write;
// see internal/audit). An export of an entity holding children's data
// (registry Personal: children, enrolments, health records) writes one row
// for that entity type, and, for enrolments and health records, one for
// Child (their child columns are the child's identity document). Each row
// has the viewer (subject, role, region, institution), the operation
// (Options.Operation, default "export"), the time the export started, and
// as document hash the SHA-256 of the export's description (entity, format,
// filter as JSON), so two identical requests share it. Fields are the
// registry fields written, the filter's field paths ("where.result", as
// GraphQL records them; never values), and two summaries:
//
//	rows:<n>                the number of rows of that type read
//	idsSha256:<hex>         SHA-256 of their IDs, ascending, comma-separated
//	                        ("3,17,250": decimal, no spaces, no trailing comma)
//
// EntityIDs lists the IDs themselves when there are at most MaxAuditIDs
// (a district's or institution's export); above that, only the count and
// the hash are kept: a million IDs in one row would make the audit table
// the largest in the database, and the hash, with the viewer's scope and
// the filter, still proves which rows an export held (recompute it from a
// backup of that day). Nothing else of a row is written, never a value.
//
// The rows are written when the export ends, also when it fails half-way
// (what was read is audited), be it by an error, a timeout or a
// cancellation: the rows read before it count; if they cannot be written,
// Write fails and the file must be discarded, as GraphQL withholds a
// response.

// MaxAuditIDs is the most IDs an export's audit row lists.
const MaxAuditIDs = 10000

type auditTrail struct {
	started   time.Time
	operation string
	doc       string
	filtered  bool           // the export has a where filter
	types     []*auditedType // in write order
}

type auditedType struct {
	entity string
	fields []string
	ids    []int
	seen   map[int]struct{} // Child only: a child named by many rows counts once
	hash   hash.Hash
	rows   int
}

func newAuditTrail(e registry.Entity, opts Options) *auditTrail {
	a := &auditTrail{started: time.Now(), operation: opts.Operation}
	if a.operation == "" {
		a.operation = "export"
	}
	if !e.Personal {
		return a
	}
	desc, _ := json.Marshal(struct {
		Entity, Format string
		Where          any
	}{e.Name, opts.Format, opts.Where})
	sum := sha256.Sum256(desc)
	a.doc = hex.EncodeToString(sum[:])
	var own, childCols []string
	for _, c := range e.Columns {
		switch c.Field {
		case "childIdDocumentType", "childIdNumber":
			childCols = append(childCols, c.Field)
		default:
			own = append(own, c.Field)
		}
	}
	wf := whereFields(opts.Where)
	a.filtered = len(wf) > 0
	own = append(own, wf...)
	a.types = append(a.types, &auditedType{entity: e.Type, fields: own, hash: sha256.New()})
	if len(childCols) > 0 {
		a.types = append(a.types, &auditedType{entity: "Child", fields: childCols, hash: sha256.New(), seen: map[int]struct{}{}})
	}
	return a
}

// row records that a row (and the child it names, if any) was read.
func (a *auditTrail) row(id int, ch *ent.Child) {
	if len(a.types) == 0 {
		return
	}
	a.types[0].add(id)
	if len(a.types) > 1 && ch != nil {
		a.types[1].add(ch.ID)
	}
}

func (t *auditedType) add(id int) {
	if t.seen != nil {
		// Children repeat across rows; the set of distinct children is
		// bounded by the children the viewer may read.
		if _, ok := t.seen[id]; ok {
			return
		}
		t.seen[id] = struct{}{}
	}
	t.rows++
	if t.seen != nil {
		return // hashed in ascending order when written (sumIDs)
	}
	if len(t.ids) < MaxAuditIDs {
		t.ids = append(t.ids, id)
	}
	// The entity's own rows arrive in ascending ID order (keyset paging),
	// so they are hashed as they come, joined by commas.
	hashID(t.hash, t.rows == 1, id)
}

// hashID adds id to the comma-separated list h hashes.
func hashID(h hash.Hash, first bool, id int) {
	if !first {
		h.Write([]byte{','})
	}
	h.Write(strconv.AppendInt(nil, int64(id), 10))
}

// sumIDs is the idsSha256 of ids (ascending): SHA-256 of the decimal IDs
// joined by commas, e.g. "3,17,250", no trailing comma — what anyone can
// recompute from a backup with the viewer's scope and the filter.
func sumIDs(ids []int) string {
	h := sha256.New()
	for i, id := range ids {
		hashID(h, i == 0, id)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// write stores one audit row per type read; nothing when nothing personal
// was read.
func (a *auditTrail) write(ctx context.Context, client *ent.Client, v *auth.Viewer) error {
	var records []audit.Record
	if c := ent.FromContext(ctx); c != nil {
		client = c
	}
	for i, t := range a.types {
		// A filter is a read of the rows it matches even when none does
		// (GraphQL records it too); otherwise an empty export reads nothing.
		if t.rows == 0 && (i > 0 || !a.filtered) {
			continue
		}
		ids := t.ids
		sum := hex.EncodeToString(t.hash.Sum(nil))
		if t.seen != nil {
			// Children arrive in row order: sorted for the hash and the
			// list (up to the cap) alike.
			ids = make([]int, 0, len(t.seen))
			for id := range t.seen {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			sum = sumIDs(ids)
			if len(ids) > MaxAuditIDs {
				ids = nil
			}
		}
		if t.rows > MaxAuditIDs {
			ids = []int{}
		}
		if ids == nil {
			ids = []int{}
		}
		fields := append(slices.Clone(t.fields),
			"rows:"+strconv.Itoa(t.rows),
			"idsSha256:"+sum)
		r := audit.By(v, a.started)
		r.Operation, r.DocumentHash, r.EntityType, r.EntityIDs, r.Fields = a.operation, a.doc, t.entity, ids, fields
		records = append(records, r)
	}
	if err := audit.Insert(ctx, client, records...); err != nil {
		return fmt.Errorf("export: audit log unavailable: %w", err)
	}
	return nil
}

// whereFields are the paths of the fields set in a where input
// ("where.result", "where.or.kind"), never their values: the names GraphQL
// records for a filtered read. The input's JSON tags are its GraphQL names.
func whereFields(where any) []string {
	if where == nil {
		return nil
	}
	b, err := json.Marshal(where)
	if err != nil {
		return []string{"where"}
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		return []string{"where"}
	}
	seen := map[string]bool{}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, fv := range x {
				walk(prefix+"."+k, fv)
			}
			return
		case []any:
			if len(x) > 0 {
				if _, ok := x[0].(map[string]any); ok {
					for _, e := range x {
						walk(prefix, e)
					}
					return
				}
			}
		case nil:
			return
		}
		if !seen[prefix] {
			seen[prefix] = true
			out = append(out, prefix)
		}
	}
	walk("where", m)
	slices.Sort(out)
	return out
}
