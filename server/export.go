package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/export"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// exportCmd writes one entity's rows to a file (or stdout) as an operator
// acting as a viewer: the viewer's row policies, masking and audit apply
// exactly as to GraphQL's exportData.
func exportCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("export", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	entity := fs.String("entity", "", "entity to export, one of "+strings.Join(registry.Names(), ", ")+" (required)")
	format := fs.String("format", "", "csv or xlsx (default: from --out's extension, else csv)")
	out := fs.String("out", "", "file to write; empty or - writes to stdout")
	roleName := fs.String("role", "", "role whose view is exported, one of "+roleNames(tokenRoles())+" (required); DISTRICT_REGULATOR and INSTITUTION_STAFF see personal fields in clear, other roles masked")
	regionCode := fs.String("region", "", "GB/T 2260 code of the viewer's region, of the role's level")
	institutionID := fs.Int("institution", 0, "institution ID of an INSTITUTION_STAFF viewer")
	subject := fs.String("subject", defaultSubject(), "who runs the export (named in audit rows)")
	hashes := fs.Bool("identity-hashes", false, "write identity documents as HASH:<keyed hash>:<masked> so that a database with the same --pii-key can import them (moving data between databases; never hand such a file out)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q", fs.Arg(0))
	}
	e, ok := registry.Lookup(*entity)
	if !ok {
		return fmt.Errorf("export: --entity must be one of %s", strings.Join(registry.Names(), ", "))
	}
	f, err := fileFormat(*format, *out)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	v, err := operatorViewer(*roleName, *regionCode, *institutionID, *subject)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	if err := checkScope(ctx, a, v); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	w, commit, err := output(*out)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	n, err := export.Write(auth.NewContext(ctx, v), a.client, w, export.Options{
		Entity: e.Name, Format: f, Location: a.loc, IdentityHashes: *hashes, Operation: "cli export",
	})
	if err = commit(err); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "export: %d %s rows written (%s, as %s %s)\n", n, e.Name, f, v.Role, v.RegionCode)
	return nil
}

// templateCmd writes an entity's empty import template.
func templateCmd(_ context.Context, args []string) error {
	fs := newFlagSet("template", "", "")
	fs.SetOutput(stderr)
	format := fs.String("format", "", "xlsx or csv (default: from --out's extension, else xlsx)")
	out := fs.String("out", "", "file to write; empty writes ENTITY-template.FORMAT, - writes to stdout")
	if len(args) > 0 && isHelp(args[0]) {
		fs.Usage()
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return errors.New("template: name the entity first: template ENTITY [--format xlsx|csv], one of " + strings.Join(registry.Names(), ", "))
	}
	name := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("template: unexpected argument %q", fs.Arg(0))
	}
	e, ok := registry.Lookup(name)
	if !ok {
		return fmt.Errorf("template: unknown entity %q; one of %s", name, strings.Join(registry.Names(), ", "))
	}
	f := *format
	if f == "" && *out == "" {
		f = "xlsx"
	}
	f, err := fileFormat(f, *out)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	path := *out
	if path == "" {
		path = e.Name + "-template." + f
	}
	w, commit, err := output(path)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if err := commit(export.WriteTemplate(w, e.Name, f)); err != nil {
		return err
	}
	if path != "-" {
		fmt.Fprintf(stderr, "template: wrote %s\n", path)
	}
	return nil
}

// fileFormat is the explicit format, or the one of the file's extension,
// or csv. A file's extension must be .csv or .xlsx and agree with an
// explicit format (a file without one is written as asked): an XLSX named
// .csv, or a CSV named .xlsx, is opened wrongly by Excel and refused by
// the importer's format detection.
func fileFormat(format, path string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f != "" && f != "csv" && f != "xlsx" {
		return "", fmt.Errorf("--format must be csv or xlsx, not %q", format)
	}
	ext := ""
	if path != "" && path != "-" {
		ext = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	switch {
	case ext != "" && ext != "csv" && ext != "xlsx":
		return "", fmt.Errorf("--out must end in .csv or .xlsx (or be - for standard output), not .%s", ext)
	case f != "" && ext != "" && f != ext:
		return "", fmt.Errorf("--out ends in .%s but --format is %s: make them agree", ext, f)
	case f == "" && ext != "":
		f = ext
	case f == "":
		f = "csv"
	}
	return f, nil
}

// operatorViewer is the viewer an operator acts as, checked like a token's.
func operatorViewer(roleName, regionCode string, institutionID int, subject string) (*auth.Viewer, error) {
	role, err := parseRole(roleName, tokenRoles())
	if err != nil {
		return nil, err
	}
	v := &auth.Viewer{Subject: strings.TrimSpace(subject), Role: role, RegionCode: strings.TrimSpace(regionCode), InstitutionID: institutionID}
	if v.RegionCode != "" {
		if err := ident.ValidateRegionCode(v.RegionCode); err != nil {
			return nil, fmt.Errorf("--region %s is not a GB/T 2260 code (%s; %s)", v.RegionCode, identReason(err), scopeHint[role])
		}
	}
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("%s (%s)", viewerReason(err), scopeHint[role])
	}
	return v, nil
}

// checkScope refuses an operator viewer whose institution is not in the
// database, or an INSTITUTION_STAFF --region other than its institution's:
// the token command only warns (the database may be filled later), but an
// export reads now and its audit rows record the viewer's region, where a
// false one would stand. A region not in the database is warned about, as
// the token command does, not refused: scopes match by code prefix, so a
// municipality's city-level code (500100) has rows without a row of its own.
func checkScope(ctx context.Context, a *app, v *auth.Viewer) error {
	sys := system(ctx)
	if v.InstitutionID != 0 {
		inst, err := a.client.Institution.Query().Where(institution.ID(v.InstitutionID)).WithRegion().Only(sys)
		if ent.IsNotFound(err) {
			return fmt.Errorf("--institution %d: no such institution in this database", v.InstitutionID)
		}
		if err != nil {
			return fmt.Errorf("look up --institution %d: %w", v.InstitutionID, err)
		}
		if v.RegionCode != "" && (inst.Edges.Region == nil || inst.Edges.Region.Code != v.RegionCode) {
			return fmt.Errorf("--region %s is not the region of institution %d; omit --region or give its own", v.RegionCode, v.InstitutionID)
		}
		return nil
	}
	if v.RegionCode != "" {
		ok, err := a.client.Region.Query().Where(region.Code(v.RegionCode)).Exist(sys)
		if err != nil {
			return fmt.Errorf("look up --region %s: %w", v.RegionCode, err)
		}
		if !ok {
			fmt.Fprintf(stderr, "export: warning: no region %s in this database: the export may hold no rows\n", v.RegionCode)
		}
	}
	return nil
}

// output opens path for writing ("" or "-" = stdout). A file is written
// under a temporary name and renamed when commit is called with a nil
// error, so a failed export never leaves a partial file behind.
func output(path string) (io.Writer, func(error) error, error) {
	if path == "" || path == "-" {
		return stdout, func(err error) error { return err }, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, nil, err
	}
	return tmp, func(err error) error {
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
		return err
	}, nil
}
