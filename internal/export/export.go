// Package export writes the rows of one registry entity (internal/registry)
// as CSV or XLSX, and serves the empty import templates of every entity.
//
// An export reads as the viewer in its context, exactly as GraphQL does:
//
//   - Row policies (ent/schema/policy.go) decide which rows are written: the
//     export pages through ordinary ent queries, never with a privacy bypass
//     for the rows themselves.
//   - Masking is internal/masking's, the table graph/personal.go applies:
//     a role that GraphQL masks gets the same masked values here ("张**",
//     birth dates on the first of the month, health measurements empty).
//   - Exports of children's data (children, enrolments, health records, and
//     the child columns of the last two) are audited like a GraphQL read:
//     see audit.go.
//
// Columns are the registry's, in its order, under its Chinese headers, so a
// file exported by a role that sees clear text imports again unchanged (the
// round trip test). Rows name each other by natural keys (region code,
// credit code, identity document), never by internal IDs.
//
// Identity-document numbers are never stored in clear (only a keyed hash and
// the masked form "2101**********0023"), so no export can contain them. An
// ordinary export writes the masked form, which the importer refuses (it is
// not a valid number): a file from an export can be read, filtered and
// compared, but its children, staff, ban list, enrolment and health-record
// rows cannot be imported as if they were real. Operators moving data
// between two databases that share the PII key (TUOYU_PII_KEY) set
// Options.IdentityHashes (CLI: tuoyu export --identity-hashes): identity
// cells then carry the stored keyed hash as "HASH:<64 hex>:<masked>", which
// an importer configured with the same key can store without ever seeing a
// clear number.
//
// Memory stays flat: rows are read in pages of PageSize by ascending ID
// (keyset paging, never OFFSET and never the whole table), written to the
// CSV writer or the excelize StreamWriter (which spills to a temporary file),
// and dropped; references are resolved per page.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/masking"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// Options say what to export.
type Options struct {
	Entity string // registry name
	Format string // "csv" | "xlsx"
	Where  any    // nil or the entity's *ent.<Type>WhereInput (entgql), applied with its Filter
	// Operation names the export in the audit trail (default "export";
	// the GraphQL job passes "exportData").
	Operation string
	// Location is the time zone of date-time columns (incidents); default
	// Asia/Shanghai. Values carry their offset (RFC 3339), so any zone
	// reads back to the same instant.
	Location *time.Location
	// IdentityHashes writes identity-document cells as
	// "HASH:<keyed hash>:<masked>" instead of the masked number alone, for
	// moving data to a database with the same PII key. Only trusted server
	// code (the CLI) sets it; never set it from a client request.
	IdentityHashes bool
	// Progress, when set, is called after each page with the rows written.
	Progress func(rows int)
}

// PageSize is how many rows one query reads.
const PageSize = 1000

// AuditTimeout bounds the write of an export's audit rows, which runs even
// when the export's context is done (a failed export is audited too).
const AuditTimeout = 10 * time.Second

// Errors of Write that callers map to client errors.
var (
	// ErrUnknownEntity: Options.Entity is not in the registry.
	ErrUnknownEntity = errors.New("export: unknown entity")
	// ErrUnknownFormat: Options.Format is neither csv nor xlsx.
	ErrUnknownFormat = errors.New("export: unknown format (want csv or xlsx)")
)

// Write streams the entity's rows visible to the viewer in ctx (privacy
// policies apply), masked as GraphQL masks them for that role, in registry
// column order, natural keys for references. Rows holding children's data
// are audited like a GraphQL read. Returns the row count.
//
// If the audit row cannot be written, Write fails: the caller must discard
// what was written to w (the file must not be offered).
func Write(ctx context.Context, client *ent.Client, w io.Writer, opts Options) (rows int, err error) {
	e, ok := registry.Lookup(opts.Entity)
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownEntity, opts.Entity)
	}
	page, ok := pagers[e.Type]
	if !ok {
		return 0, fmt.Errorf("export: %s has no reader", e.Name)
	}
	s, err := newSink(w, opts.Format, e)
	if err != nil {
		return 0, err
	}
	if opts.Location == nil {
		if opts.Location, err = time.LoadLocation("Asia/Shanghai"); err != nil {
			return 0, fmt.Errorf("export: time zone: %w", err)
		}
	}
	v := auth.FromContext(ctx)
	f := &formatter{
		e:      e,
		opts:   opts,
		masked: !masking.SeesClearText(v.Role),
		refs:   newRefs(ctx, client),
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	au := newAuditTrail(e, opts)
	defer func() {
		// Whatever was read is audited, also when the export fails
		// half-way: the rows were read even if the file is discarded.
		// The usual ways to fail half-way are a timeout and a
		// cancellation (a job's deadline, a stopping server), which leave
		// ctx done: the audit write gets ctx's values (viewer, transaction)
		// without its cancellation, and a deadline of its own.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AuditTimeout)
		defer cancel()
		if aerr := au.write(actx, client, v); aerr != nil {
			err = errors.Join(err, aerr)
		}
	}()
	if err := s.header(); err != nil {
		return 0, err
	}
	var groups *seatGroups
	if e.Type == "Seat" {
		groups = newSeatGroups()
	}
	after := 0
	for {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		got, err := page(ctx, client, opts.Where, after, PageSize)
		if err != nil {
			return rows, fmt.Errorf("export: read %s: %w", e.Name, err)
		}
		if len(got) == 0 {
			break
		}
		after = idOf(got[len(got)-1])
		if err := f.refs.load(e.Type, got); err != nil {
			return rows, err
		}
		for _, x := range got {
			au.row(idOf(x), f.refs.childOf(x))
			if groups != nil {
				groups.add(x.(*ent.Seat))
				continue
			}
			cells, err := f.row(x)
			if err != nil {
				return rows, err
			}
			if err := s.row(cells); err != nil {
				return rows, err
			}
			rows++
		}
		if opts.Progress != nil {
			opts.Progress(rows)
		}
		if len(got) < PageSize {
			break
		}
	}
	if groups != nil {
		for _, g := range groups.list {
			cells, err := f.seatRow(g)
			if err != nil {
				return rows, err
			}
			if err := s.row(cells); err != nil {
				return rows, err
			}
			rows++
		}
	}
	if err := s.close(); err != nil {
		return rows, fmt.Errorf("export: write %s: %w", opts.Format, err)
	}
	return rows, nil
}

// Check refuses an export that Write would refuse for the viewer in ctx
// because the viewer may not read the entity: the entity's row policies run
// on a query of no rows (LIMIT 0) with the filter, the decision a GraphQL
// read of that type gets. The refusal is FORBIDDEN on field "entity"
// (apperr), so an export job is never queued only to fail in the
// background.
func Check(ctx context.Context, client *ent.Client, opts Options) error {
	e, ok := registry.Lookup(opts.Entity)
	if !ok {
		return apperr.Invalid("entity", "is not an exportable entity")
	}
	page, ok := pagers[e.Type]
	if !ok {
		return apperr.Invalid("entity", "is not an exportable entity")
	}
	_, err := page(ctx, client, opts.Where, 0, 0)
	if errors.Is(err, privacy.Deny) {
		return &apperr.FieldError{
			Field:   "entity",
			Message: "cannot be exported with this token: its role (" + string(auth.FromContext(ctx).Role) + ") may not read these records",
			Kind:    apperr.ErrForbidden,
		}
	}
	if err != nil {
		return fmt.Errorf("export: check %s: %w", e.Name, err)
	}
	return nil
}

// seatGroups folds seats into the registry's rows: one row per institution,
// age band, inclusive flag, opening and closing day, with a count. The
// groups of a whole export are kept (a few per institution), not the seats.
type seatGroups struct {
	index map[seatKey]*seatGroup
	list  []*seatGroup
}

type seatKey struct {
	inst      int
	band      string
	inclusive bool
	opened    time.Time
	closed    time.Time
}

type seatGroup struct {
	first *ent.Seat
	count int
}

func newSeatGroups() *seatGroups { return &seatGroups{index: map[seatKey]*seatGroup{}} }

func (g *seatGroups) add(s *ent.Seat) {
	k := seatKey{inst: s.InstitutionID, band: string(s.AgeBand), inclusive: s.Inclusive, opened: s.OpenedAt}
	if s.ClosedAt != nil {
		k.closed = *s.ClosedAt
	}
	if x := g.index[k]; x != nil {
		x.count++
		return
	}
	x := &seatGroup{first: s, count: 1}
	g.index[k] = x
	g.list = append(g.list, x)
}
