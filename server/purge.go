package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/retention"
)

// retentionFlags are the retention periods (serve, for the periodic purge
// job, and purge). Plain strings, checked by policy, so that the flag
// table's environment rules hold for them like for any string flag.
type retentionFlags struct{ children, staff, audit string }

func bindRetentionFlags(fs *flag.FlagSet) *retentionFlags {
	r := &retentionFlags{}
	fs.StringVar(&r.children, "retention-children", env("TUOYU_RETENTION_CHILDREN", "3y"), "keep a child's personal data this long after the last enrolment ended (or registration, if never enrolled), e.g. 3y, 36m, 1y6m; 0 = forever (env TUOYU_RETENTION_CHILDREN)")
	fs.StringVar(&r.staff, "retention-staff", env("TUOYU_RETENTION_STAFF", "3y"), "keep a staff member's personal data this long after the last employment ended; 0 = forever (env TUOYU_RETENTION_STAFF)")
	fs.StringVar(&r.audit, "retention-audit", env("TUOYU_RETENTION_AUDIT", "0"), "delete audit rows older than this, e.g. 6y; 0 = keep forever (env TUOYU_RETENTION_AUDIT)")
	return r
}

// policy parses the periods; an error names the flag and its variable. An
// empty value is an error, not "forever": only 0 keeps forever, so that a
// template that failed to fill in a value cannot switch retention off (an
// empty environment variable counts as unset and gives the default).
func (r *retentionFlags) policy() (retention.Policy, error) {
	var p retention.Policy
	for _, f := range []struct {
		flag, env, v string
		dst          *retention.Period
	}{
		{"retention-children", "TUOYU_RETENTION_CHILDREN", r.children, &p.Children},
		{"retention-staff", "TUOYU_RETENTION_STAFF", r.staff, &p.Staff},
		{"retention-audit", "TUOYU_RETENTION_AUDIT", r.audit, &p.Audit},
	} {
		if f.v == "" {
			return p, fmt.Errorf("--%s (%s) is empty: give a period such as 3y, 36m, 90d or 1y6m, or 0 for forever", f.flag, f.env)
		}
		period, err := retention.ParsePeriod(f.v)
		if err != nil {
			return p, fmt.Errorf("--%s (%s) must be a period such as 3y, 36m, 90d or 1y6m, or 0 for forever, not %q", f.flag, f.env, f.v)
		}
		*f.dst = period
	}
	return p, nil
}

// purgeCmd pseudonymises the people past their retention (retention.Purge)
// and lists them by ID, never by name; --dry-run only lists.
func purgeCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("purge", "", "")
	c := bindCommon(fs)
	rf := bindRetentionFlags(fs)
	dryRun := fs.Bool("dry-run", false, "list what would be purged and change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("purge: unexpected argument %q", fs.Arg(0))
	}
	policy, err := rf.policy()
	if err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := retention.Purge(ctx, a.client, policy, civil.Today(a.loc), *dryRun)
	if err != nil {
		return err
	}
	verb := "purged"
	if rep.DryRun {
		verb = "would purge"
	}
	for _, ch := range rep.Children {
		kept := ""
		if ch.BirthDayKept {
			kept = " (birth day kept: a past KPI reads it)"
		}
		since := "last enrolment ended " + ch.LastEnded.Format(civil.Layout)
		if ch.NeverEnrolled {
			since = "registered " + ch.LastEnded.Format(civil.Layout) + ", never enrolled"
		}
		fmt.Fprintf(stdout, "child %d\t%s%s\n", ch.ID, since, kept)
	}
	for _, p := range rep.Staff {
		fmt.Fprintf(stdout, "staff %v\tlast employment ended %s\n", p.StaffIDs, p.LastEnded.Format(civil.Layout))
	}
	fmt.Fprintf(stderr, "purge (as of %s; children %s, staff %s, audit %s): %s %d children, %d staff members, %d audit rows\n",
		rep.AsOf.Format(civil.Layout), policy.Children, policy.Staff, policy.Audit, verb, len(rep.Children), len(rep.Staff), rep.AuditRows)
	return nil
}

// purgeDaily registers the retention purge as a daily job of the queue:
// River runs it once a day across all servers on the database. A policy
// that keeps everything (all periods 0) registers nothing.
func purgeDaily(a *app, policy retention.Policy) func(q *jobs.Queue) {
	return func(q *jobs.Queue) {
		if policy.Children.IsZero() && policy.Staff.IsZero() && policy.Audit.IsZero() {
			return
		}
		q.AddPeriodic("retention_purge", 24*time.Hour, func(ctx context.Context) error {
			rep, err := retention.Purge(ctx, a.client, policy, civil.Today(a.loc), false)
			if err != nil {
				return err
			}
			slog.Info("retention purge", "children", len(rep.Children), "staff", len(rep.Staff), "audit_rows", rep.AuditRows)
			return nil
		})
	}
}
