package ingest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// chunk is how many values one IN list carries (SQLite allows 32,766
// parameters; PostgreSQL 65,535).
const chunk = 5000

// inChunks calls fn with successive slices of at most chunk values.
func inChunks[T any](vals []T, fn func([]T) error) error {
	for len(vals) > 0 {
		n := min(len(vals), chunk)
		if err := fn(vals[:n]); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// distinct returns the distinct non-zero values of f over rows.
func distinct[T comparable](rows []*row, f func(*row) (T, bool)) []T {
	seen := map[T]bool{}
	var out []T
	for _, r := range rows {
		if v, ok := f(r); ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func bulkloadCtx(ctx context.Context) context.Context { return bulkload.With(ctx) }

func isPrivacyDeny(err error) bool { return errors.Is(err, privacy.Deny) }

// resolve validates the natural-key cells every entity shares and turns
// them into stored IDs, a few queries per file, then checks that each row
// lies in the viewer's write scope.
func (b *batch) resolve() error {
	if b.docs == nil {
		b.docs = map[string]docInfo{}
	}
	if err := b.resolveRegions(); err != nil {
		return err
	}
	if err := b.resolveInstitutions(); err != nil {
		return err
	}
	if err := b.resolveChildren(); err != nil {
		return err
	}
	if err := b.resolveStaff(); err != nil {
		return err
	}
	if b.h.resolve != nil {
		if err := b.h.resolve(b); err != nil {
			return err
		}
	}
	b.scope()
	return nil
}

// regionFields are the columns that name a region by code.
var regionFields = []string{"regionCode", "parentCode", "residenceRegionCode"}

func (b *batch) resolveRegions() error {
	var codes []string
	seen := map[string]bool{}
	for _, r := range b.rows {
		for _, f := range regionFields {
			code := b.str(r, f)
			if code == "" {
				continue
			}
			if ident.ValidateRegionCode(code) != nil {
				b.fail(r, f, CodeInvalid, "must be a GB/T 2260 region code (6, 9 or 12 digits)")
				continue
			}
			if !seen[code] {
				seen[code] = true
				codes = append(codes, code)
			}
		}
		if b.e.Name == "regions" {
			if code := b.str(r, "code"); code != "" && !seen[code] {
				seen[code] = true
				codes = append(codes, code)
			}
		}
	}
	b.regionIDs = map[string]int{}
	err := inChunks(codes, func(c []string) error {
		rs, err := b.client.Region.Query().Where(region.CodeIn(c...)).Select(region.FieldID, region.FieldCode).All(b.sys)
		for _, x := range rs {
			b.regionIDs[x.Code] = x.ID
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("regions: %w", err)
	}
	inFile := map[string]bool{}
	if b.e.Name == "regions" {
		for _, r := range b.rows {
			inFile[b.str(r, "code")] = true
		}
	}
	for _, r := range b.rows {
		for _, f := range regionFields {
			code := b.str(r, f)
			if code == "" || ident.ValidateRegionCode(code) != nil {
				continue
			}
			id, ok := b.regionIDs[code]
			switch {
			case ok:
			case f == "parentCode" && inFile[code]:
				// created earlier in this file: regions are written parents first
			default:
				b.fail(r, f, CodeNotFound, "names no region; import the region first")
				continue
			}
			switch f {
			case "parentCode":
				r.parentID = id
			default:
				r.regionID = id
				if f == "regionCode" {
					r.region = code
				}
			}
		}
	}
	return nil
}

type instRef struct {
	id     int
	region string
}

func (b *batch) resolveInstitutions() error {
	if _, ok := b.idx["institutionCreditCode"]; !ok {
		return nil
	}
	codes := distinct(b.rows, func(r *row) (string, bool) {
		s := b.str(r, "institutionCreditCode")
		return s, s != "" && ident.ValidateCreditCode(s) == nil
	})
	found := map[string]instRef{}
	err := inChunks(codes, func(c []string) error {
		is, err := b.client.Institution.Query().Where(institution.CreditCodeIn(c...)).
			WithRegion(func(q *ent.RegionQuery) { q.Select(region.FieldID, region.FieldCode) }).
			Select(institution.FieldID, institution.FieldCreditCode, institution.FieldRegionID).All(b.sys)
		for _, x := range is {
			found[x.CreditCode] = instRef{id: x.ID, region: x.Edges.Region.Code}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("institutions: %w", err)
	}
	for _, r := range b.rows {
		s := b.str(r, "institutionCreditCode")
		if s == "" {
			continue
		}
		if ident.ValidateCreditCode(s) != nil {
			b.fail(r, "institutionCreditCode", CodeInvalid, "must be an 18-character 统一社会信用代码 with a valid check character")
			continue
		}
		ref, ok := found[s]
		if !ok {
			b.fail(r, "institutionCreditCode", CodeNotFound, "names no institution; import the institution first")
			continue
		}
		r.inst, r.region = ref.id, ref.region
	}
	return nil
}

// document validates and hashes the identity document in columns typeField
// and numberField of r: the type (default RESIDENT_ID), hash and mask.
func (b *batch) document(r *row, typeField, numberField string) (docType, hash, masked string, ok bool) {
	number := b.str(r, numberField)
	if number == "" {
		return "", "", "", false
	}
	docType = ident.DocResidentID
	if t := b.str(r, typeField); t != "" {
		docType = t
	}
	// A file repeats a child's number on every record of the child: hash it once.
	ck := docType + "\x00" + number
	if d, ok := b.docs[ck]; ok {
		if d.hash == "" {
			b.fail(r, numberField, CodeInvalid, b.documentRule(docType, number))
			return "", "", "", false
		}
		return docType, d.hash, d.masked, true
	}
	if strings.HasPrefix(number, hashPrefix) {
		d, ok := b.trustedHash(number)
		b.docs[ck] = d
		if !ok {
			b.fail(r, numberField, CodeInvalid, b.documentRule(docType, number))
			return "", "", "", false
		}
		return docType, d.hash, d.masked, true
	}
	n, err := ident.NormalizeDocument(docType, number)
	if err != nil {
		b.docs[ck] = docInfo{}
		b.fail(r, numberField, CodeInvalid, ident.DocumentRule(docType))
		return "", "", "", false
	}
	d := docInfo{hash: b.opts.Hasher.Hash(ident.DocumentKey(docType, n)), masked: pii.MaskIDNumber(n)}
	b.docs[ck] = d
	return docType, d.hash, d.masked, true
}

// hashPrefix starts an identity cell of an export with identity hashes
// (internal/export IdentityHashPrefix): "HASH:<64 hex>:<masked>".
const hashPrefix = "HASH:"

// trustedHash reads a "HASH:<64 hex>:<masked>" cell, accepted only with
// Options.TrustedHashes (operator CLI): the hash is taken as stored.
func (b *batch) trustedHash(cell string) (docInfo, bool) {
	if !b.opts.TrustedHashes {
		return docInfo{}, false
	}
	hash, masked, ok := strings.Cut(strings.TrimPrefix(cell, hashPrefix), ":")
	if !ok || len(hash) != 64 || masked == "" || utf8.RuneCountInString(masked) > 40 {
		return docInfo{}, false
	}
	if _, err := hex.DecodeString(hash); err != nil || strings.ToLower(hash) != hash {
		return docInfo{}, false
	}
	return docInfo{hash: hash, masked: masked}, true
}

// documentRule is the message for an invalid identity cell.
func (b *batch) documentRule(docType, cell string) string {
	if !strings.HasPrefix(cell, hashPrefix) {
		return ident.DocumentRule(docType)
	}
	if !b.opts.TrustedHashes {
		return "is a keyed hash (HASH:…) from an export with identity hashes; such files are imported only by the operator (tuoyu import --identity-hashes), here give the number itself"
	}
	return "must be HASH:<64 lowercase hex digits>:<masked number> as written by tuoyu export --identity-hashes"
}

// docInfo is a validated document's hash and mask; zero when invalid.
type docInfo struct{ hash, masked string }

type childRef struct {
	id           int
	registeredBy *int
}

// resolveChildren finds the children that rows name by document number
// (enrolments, health records), as the system: the viewer presents the
// number, and scope is decided afterwards.
func (b *batch) resolveChildren() error {
	if _, ok := b.idx["childIdNumber"]; !ok {
		return nil
	}
	hashes := make([]string, len(b.rows))
	var list []string
	seen := map[string]bool{}
	var nodoc []*row
	for i, r := range b.rows {
		if b.str(r, "childIdNumber") == "" {
			if !r.bad {
				nodoc = append(nodoc, r)
			}
			continue
		}
		if _, h, _, ok := b.document(r, "childIdDocumentType", "childIdNumber"); ok {
			hashes[i] = h
			if !seen[h] {
				seen[h] = true
				list = append(list, h)
			}
		}
	}
	found, err := b.childrenByHash(list)
	if err != nil {
		return err
	}
	for i, r := range b.rows {
		h := hashes[i]
		if h == "" {
			continue
		}
		c, ok := found[h]
		if !ok {
			b.fail(r, "childIdNumber", CodeNotFound, "matches no registered child; import the child first")
			continue
		}
		r.child = c.id
		r.childRegisteredBy = c.registeredBy
	}
	return b.resolveDocless(nodoc)
}

// resolveDocless finds the children without an identity document that rows
// name by childName and childBirthDate, at the row's institution.
func (b *batch) resolveDocless(rows []*row) error {
	var keys []doclessKey
	for _, r := range rows {
		name, nameOK := b.val(r, "childName").(string)
		birth, birthOK := b.date(r, "childBirthDate")
		switch {
		case strings.Contains(name, "*"):
			b.fail(r, "childName", CodeInvalid, maskedName)
		case b.str(r, "childIdDocumentType") != "" || !nameOK || !birthOK:
			b.fail(r, "childIdNumber", CodeInvalid, "is required; only for a child registered without an identity document give childName and childBirthDate instead")
		default:
			keys = append(keys, doclessKey{strings.TrimSpace(name), birth.Format(time.DateOnly)})
		}
	}
	found, err := b.doclessChildren(keys)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.bad || r.inst == 0 {
			continue
		}
		birth, _ := b.date(r, "childBirthDate")
		c, ambiguous := b.pickDocless(found[doclessKey{strings.TrimSpace(b.str(r, "childName")), birth.Format(time.DateOnly)}], r.inst)
		switch {
		case ambiguous:
			b.fail(r, "childName", CodeConflict, "several children without an identity document have this name and birth date; give the child's identity document")
		case c == nil:
			b.fail(r, "childName", CodeNotFound, "matches no child registered without an identity document; import the child first")
		default:
			r.child = c.ID
			r.childRegisteredBy = c.RegisteredByInstitutionID
		}
	}
	return nil
}

// maskedName refuses a name with '*': the masked form an ordinary export
// writes ("李**"), which must not pass for a child's name (and, without a
// document, for the child's key).
const maskedName = "contains '*', as the masked names of an export do; give the full name"

// doclessKey names a child without an identity document: name and birth
// date (YYYY-MM-DD).
type doclessKey struct{ name, birth string }

// doclessChildren loads the stored children without an identity document
// of the given names and birth dates, as the system; candidates are picked
// by pickDocless.
func (b *batch) doclessChildren(keys []doclessKey) (map[doclessKey][]*ent.Child, error) {
	out := map[doclessKey][]*ent.Child{}
	if len(keys) == 0 {
		return out, nil
	}
	want := map[doclessKey]bool{}
	var names []string
	for _, k := range keys {
		if !want[k] {
			want[k] = true
			names = append(names, k.name)
		}
	}
	var ids []int
	err := inChunks(names, func(c []string) error {
		xs, err := b.client.Child.Query().
			Where(child.NameIn(c...), child.Or(child.IDNumberHashIsNil(), child.IDNumberHash(""))).
			Order(ent.Asc(child.FieldID)).All(b.sys)
		for _, x := range xs {
			k := doclessKey{x.Name, x.BirthDate.Format(time.DateOnly)}
			if want[k] {
				out[k] = append(out[k], x)
				ids = append(ids, x.ID)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("children without a document: %w", err)
	}
	if b.doclessReadable, err = b.readable(ids); err != nil {
		return nil, fmt.Errorf("children without a document: %w", err)
	}
	return out, nil
}

// pickDocless chooses among the children without a document sharing a
// name and birth date: the one registered by institution inst; else the
// one the viewer can read (in care at the viewer's institution, in a
// regulator's region); else, for the operator's trusted import
// (Options.TrustedHashes, moving a whole registry) the only one in the
// database. Two candidates at the same step are ambiguous: the child must
// then be named by a document. Name and birth date are weaker than a
// document, so an ordinary import never reaches children it cannot see.
func (b *batch) pickDocless(cands []*ent.Child, inst int) (c *ent.Child, ambiguous bool) {
	steps := []func(*ent.Child) bool{
		func(x *ent.Child) bool {
			return x.RegisteredByInstitutionID != nil && *x.RegisteredByInstitutionID == inst
		},
		func(x *ent.Child) bool { return b.doclessReadable[x.ID] },
	}
	if b.opts.TrustedHashes {
		steps = append(steps, func(*ent.Child) bool { return true })
	}
	for _, ok := range steps {
		var hit []*ent.Child
		for _, x := range cands {
			if ok(x) {
				hit = append(hit, x)
			}
		}
		if len(hit) == 1 {
			return hit[0], false
		}
		if len(hit) > 1 {
			return nil, true
		}
	}
	return nil, false
}

func (b *batch) childrenByHash(hashes []string) (map[string]childRef, error) {
	found := map[string]childRef{}
	err := inChunks(hashes, func(c []string) error {
		cs, err := b.client.Child.Query().Where(child.IDNumberHashIn(c...)).
			Select(child.FieldID, child.FieldIDNumberHash, child.FieldRegisteredByInstitutionID).All(b.sys)
		for _, x := range cs {
			found[x.IDNumberHash] = childRef{id: x.ID, registeredBy: x.RegisteredByInstitutionID}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("children: %w", err)
	}
	return found, nil
}

// resolveStaff finds the holder of a certificate: the staff member of the
// row's institution with that ID number.
func (b *batch) resolveStaff() error {
	if _, ok := b.idx["staffIdNumber"]; !ok {
		return nil
	}
	type key struct {
		inst int
		hash string
	}
	want := map[*row]key{}
	var hashes []string
	for _, r := range b.rows {
		n := b.str(r, "staffIdNumber")
		if n == "" || r.inst == 0 {
			continue
		}
		var h string
		if strings.HasPrefix(n, hashPrefix) {
			d, ok := b.trustedHash(n)
			if !ok {
				b.fail(r, "staffIdNumber", CodeInvalid, b.documentRule(ident.DocResidentID, n))
				continue
			}
			h = d.hash
		} else {
			if ident.ValidateIDNumber(n) != nil {
				b.fail(r, "staffIdNumber", CodeInvalid, ident.DocumentRule(ident.DocResidentID))
				continue
			}
			h = b.opts.Hasher.Hash(n)
		}
		want[r] = key{r.inst, h}
		hashes = append(hashes, h)
	}
	found := map[key]int{}
	err := inChunks(hashes, func(c []string) error {
		ss, err := b.client.Staff.Query().Where(staff.IDNumberHashIn(c...)).
			Select(staff.FieldID, staff.FieldInstitutionID, staff.FieldIDNumberHash).Order(ent.Asc(staff.FieldID)).All(b.sys)
		for _, x := range ss {
			k := key{x.InstitutionID, x.IDNumberHash}
			if _, ok := found[k]; !ok {
				found[k] = x.ID
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	for r, k := range want {
		id, ok := found[k]
		if !ok {
			b.fail(r, "staffIdNumber", CodeNotFound, "matches no staff member of the institution; import the staff first")
			continue
		}
		r.staff = id
	}
	return nil
}

// scope checks every row against the viewer's write scope (README
// "Security"): regulators write rows whose region lies in theirs, staff
// rows of their own institution. The ent policies check again on write.
func (b *batch) scope() {
	if b.e.Name == "ban_list" || b.e.Name == "children" {
		return // national list (any regulator); children: by registering institution, in match
	}
	field := "institutionCreditCode"
	if _, ok := b.idx[field]; !ok {
		field = "regionCode"
		if b.e.Name == "regions" {
			field = "code"
		}
	}
	for _, r := range b.rows {
		if r.bad {
			continue
		}
		switch {
		case b.v.IsRegulator():
			code := r.region
			if b.e.Name == "regions" {
				code = b.str(r, "code")
			}
			if code != "" && !b.v.InRegion(code) {
				b.fail(r, field, CodeForbidden, "lies outside the viewer's region")
			}
		case b.v.Role == auth.InstitutionStaff:
			if r.inst != b.v.InstitutionID {
				b.fail(r, field, CodeForbidden, "is not the viewer's institution: staff import their own institution's rows")
			}
		}
	}
}

// audit appends one audit_logs row for a file of children's personal data:
// who imported which file (its hash) with how many rows.
func (b *batch) audit(ctx context.Context, c *ent.Client) error {
	op := "import"
	switch {
	case b.opts.DryRun:
		op = "import (dry run)"
	case b.res.ErrorCount > 0:
		op = "import (rejected)"
	}
	fields := []string{}
	for i, col := range b.e.Columns {
		if b.pos != nil && b.pos[i] >= 0 {
			fields = append(fields, col.Field)
		}
	}
	r := audit.By(b.v, time.Now())
	r.Operation = fmt.Sprintf("%s %s: %d rows from %s", op, b.e.Name, b.res.Rows, b.opts.FileName)
	r.DocumentHash, r.EntityType, r.Fields = b.res.FileHash, b.e.Type, fields
	return audit.Insert(ctx, c, r)
}

// matchDocless finds the stored children that rows of a children file
// without a document name by name and birth date (pickDocless, at the
// viewer's institution): r.child is set and the children are returned,
// to be matched by storedKey. Rows naming no stored child create one.
func (b *batch) matchDocless(rows []*row) ([]any, error) {
	var nodoc []*row
	var keys []doclessKey
	for _, r := range rows {
		if r.hash != "" {
			continue
		}
		birth, ok := b.date(r, "birthDate")
		if !ok {
			continue
		}
		r.child = 0
		nodoc = append(nodoc, r)
		keys = append(keys, doclessKey{b.str(r, "name"), birth.Format(time.DateOnly)})
	}
	found, err := b.doclessChildren(keys)
	if err != nil {
		return nil, err
	}
	var out []any
	for i, r := range nodoc {
		c, ambiguous := b.pickDocless(found[keys[i]], b.v.InstitutionID)
		switch {
		case ambiguous:
			b.fail(r, "name", CodeConflict, "several children without an identity document have this name and birth date; give the child's identity document")
		case c != nil:
			r.child = c.ID
			out = append(out, c)
		}
	}
	return out, nil
}
