package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/dberr"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// Stable error codes sent in extensions.code. Clients switch on these, never
// on messages.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeInternal        = "INTERNAL"
	// CodeUnavailable: the database cannot be reached (an outage, a restart,
	// a closed pool). The request may be retried after Retry-After; HTTP 503.
	CodeUnavailable = "UNAVAILABLE"
	// CodeCalendarUnknown: a working-day deadline falls in a year the
	// official calendar does not cover yet; an operator loads it with
	// loadWorkCalendar (internal/workday).
	CodeCalendarUnknown = "CALENDAR_UNKNOWN"
)

// PresentError turns any error (resolvers, the transaction, gqlgen's own)
// into a GraphQL error with a stable extensions.code. It never sends SQL
// text, driver text, constraint names or input values: an unreachable
// database is UNAVAILABLE, anything unexpected INTERNAL, and both are noted
// for the request's one log line (outcome.go).
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	// The cause, before the message below is replaced (gqlgen hands in the
	// same *gqlerror.Error it presents).
	cause := err
	if ge := (*gqlerror.Error)(nil); errors.As(err, &ge) && ge.Unwrap() != nil {
		cause = ge.Unwrap()
	}
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	// Errors gqlgen raised itself (parse, validation, limits) already carry a code.
	var own *gqlerror.Error
	if errors.As(err, &own) && own.Extensions["code"] != nil && errors.Unwrap(own) == nil {
		e := presentOwn(own)
		if e.Path == nil {
			e.Path = gqlErr.Path
		}
		noteError(ctx, e, cause)
		return e
	}
	if field, ok := argumentError(ctx, gqlErr.Path, err); ok {
		// An argument failed to unmarshal (a Date, an ID, an Int); the path
		// below the field is the input path.
		reason := "invalid value"
		if errors.Is(err, civil.ErrDate) {
			reason = civil.ErrDate.Error()
		}
		gqlErr.Message = "invalid value for " + field + ": " + reason
		gqlErr.Extensions = map[string]any{"code": CodeBadUserInput, "field": field}
		return gqlErr
	}
	code, field, msg := classify(err)
	if code == CodeBadUserInput && field == "" && isForeignKey(err) {
		field = missingReference(ctx, err)
	}
	if code == CodeInternal && isNotNull(err) {
		// A required edge detached (clearEnrolments, removeSeatIDs, …).
		code, field, msg = CodeBadUserInput, detachedEdge(ctx), "a required reference cannot be removed"
	}
	if code == CodeForbidden && field == "" {
		// A role-level refusal: say what the viewer's token can do instead
		// (a refusal with a field already names what to change).
		msg = forbiddenReason(ctx, err)
	}
	gqlErr.Message = msg
	gqlErr.Extensions = map[string]any{"code": code}
	if field != "" {
		gqlErr.Extensions["field"] = field
	}
	noteError(ctx, gqlErr, cause)
	return gqlErr
}

// argumentError reports whether err is the failure to unmarshal an argument
// of the field resolving in ctx (gqlgen puts the argument's path below the
// field's), and the argument path. Defence in depth: inputChecks refuses
// such values before execution.
func argumentError(ctx context.Context, path ast.Path, err error) (string, bool) {
	var num *strconv.NumError
	if !errors.Is(err, civil.ErrDate) && !errors.As(err, &num) {
		return "", false
	}
	depth := 1
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		depth = len(fc.Path())
	}
	if len(path) <= depth || depth == 0 {
		return "", false
	}
	return path[depth:].String(), true
}

// presentOwn keeps gqlgen's code but strips echoed values from variable
// coercion errors (e.g. an unknown enum value), which are the client's
// input errors and therefore BAD_USER_INPUT with the offending field.
//
// It also rewrites every message of gqlgen and gqlparser that repeats
// something the client sent as data: literal values in validation
// messages ("Int cannot represent … 1101…"), tokens in parse errors, the
// operationName of an unknown operation, and the ID of a node not found.
// Messages name the field or type, never the value.
func presentOwn(e *gqlerror.Error) *gqlerror.Error {
	code, _ := e.Extensions["code"].(string)
	switch {
	case len(e.Path) > 0 && e.Path[0] == variablePath:
		field := strings.TrimPrefix(e.Path.String(), "variable.")
		e.Message = "invalid value for " + field + safeReason(e.Message)
		e.Extensions = map[string]any{"code": CodeBadUserInput, "field": field}
	case code == CodeNotFound:
		e.Message = "not found"
	case e.Rule == "ValuesOfCorrectType":
		e.Message = valueFreeMessage(e.Message)
	case code == "GRAPHQL_PARSE_FAILED":
		e.Message = quoted.ReplaceAllString(e.Message, "")
	case code == "GRAPHQL_VALIDATION_FAILED" && strings.HasPrefix(e.Message, "operation ") && strings.HasSuffix(e.Message, " not found"):
		e.Message = "operationName does not name an operation of the document"
	}
	return e
}

// quoted matches a quoted token of a parse error.
var quoted = regexp.MustCompile(` ?"(?:[^"\\]|\\.)*"`)

// valueFreeMessage keeps the rule of gqlparser's ValuesOfCorrectType
// messages and drops the literal: "Int cannot represent non-integer value:
// \"abc\"" becomes "Int cannot represent non-integer value", "Expected value
// of type \"Int\", found \"x\"." becomes "Expected value of type \"Int\"".
func valueFreeMessage(msg string) string {
	switch {
	case strings.HasPrefix(msg, "Expected value of type "):
		if i := strings.Index(msg, ", found "); i >= 0 {
			return msg[:i]
		}
	case strings.HasPrefix(msg, "Value ") && strings.Contains(msg, " does not exist in "):
		return "Value does not exist in " + msg[strings.Index(msg, " does not exist in ")+len(" does not exist in "):]
	case strings.Contains(msg, " cannot represent "):
		if i := strings.LastIndex(msg, " value: "); i >= 0 {
			return msg[:i+len(" value")]
		}
	}
	if i := strings.Index(msg, ": "); i >= 0 {
		return msg[:i]
	}
	return msg
}

// variablePath is the first path element gqlparser gives variable errors.
var variablePath = ast.PathName("variable")

// notValidEnum matches gqlgen's enum coercion message, which starts with the value.
var notValidEnum = regexp.MustCompile(`is not a valid (\w+)$`)

// safeReason keeps the rule of a coercion message and drops the value.
func safeReason(msg string) string {
	if m := notValidEnum.FindStringSubmatch(msg); m != nil {
		return ": not a valid " + m[1]
	}
	if strings.HasSuffix(msg, "must be defined") {
		return ": required"
	}
	return ""
}

// classify maps an error from ent, the driver or the domain to a code, the
// offending input field (camelCase, as in the schema) and a safe message.
func classify(err error) (code, field, msg string) {
	var (
		fieldErr      *apperr.FieldError
		validationErr *ent.ValidationError
		notFoundErr   *ent.NotFoundError
		constraintErr *ent.ConstraintError
	)
	switch {
	case errors.Is(err, jobs.ErrTooManyJobs):
		return CodeRateLimited, "", "too many unfinished imports and exports: wait for one to finish (importJob/exportJob) and submit again"
	case errors.Is(err, workday.ErrUnknownYear):
		return CodeCalendarUnknown, "", "a deadline falls beyond the working-day calendar's last known year; load the year with loadWorkCalendar"
	case errors.As(err, &fieldErr):
		switch {
		case errors.Is(fieldErr, apperr.ErrConflict):
			code = CodeConflict
		case errors.Is(fieldErr, apperr.ErrForbidden):
			code = CodeForbidden
		default:
			code = CodeBadUserInput
		}
		return code, camel(fieldErr.Field), camel(fieldErr.Field) + " " + fieldErr.Message
	case errors.As(err, &validationErr):
		f := camel(validationErr.Name)
		return CodeBadUserInput, f, "invalid value for " + f + validatorReason(validationErr)
	case errors.As(err, &notFoundErr), errors.Is(err, apperr.ErrNotFound):
		return CodeNotFound, "", "not found"
	case errors.Is(err, privacy.Deny), errors.Is(err, apperr.ErrForbidden):
		return CodeForbidden, "", "forbidden"
	case errors.Is(err, apperr.ErrConflict):
		return CodeConflict, "", "conflicts with existing data"
	case errors.As(err, &constraintErr):
		return constraintCode(err)
	case dberr.Unavailable(err):
		return CodeUnavailable, "", "the database is unavailable; retry later"
	case isDataException(err):
		return CodeBadUserInput, "", "a value cannot be stored"
	case errors.Is(err, context.DeadlineExceeded):
		return CodeInternal, "", "the request took too long"
	}
	return CodeInternal, "", "internal error"
}

// validatorReason is the rule that failed, without ent's prefix (which names
// the Go type) and without the value (validators never echo it).
func validatorReason(e *ent.ValidationError) string {
	inner := errors.Unwrap(e)
	if inner == nil {
		return ""
	}
	reason := inner.Error()
	if i := strings.LastIndex(reason, "\": "); i >= 0 && strings.HasPrefix(reason, "ent:") {
		reason = reason[i+3:]
	}
	if strings.HasPrefix(reason, "missing required") {
		return ": required"
	}
	return ": " + reason
}

// uniqueColumns finds the table and columns of a unique violation in
// SQLite's message ("UNIQUE constraint failed: institutions.credit_code",
// "… failed: population_stats.region_id, population_stats.year").
var uniqueColumns = regexp.MustCompile(`UNIQUE constraint failed: ((?:\w+\.\w+)(?:, \w+\.\w+)*)`)

// compositeUnique names, for each unique index over several columns that a
// client's write can hit, the field to report: the one a client changes to
// resolve the clash (the others say whose record it is). PostgreSQL reports
// the index by its ent name, SQLite by its columns.
var compositeUnique = []struct {
	index, table, columns, field string
}{
	{"healthrecord_institution_id_child_id_kind_date_session", "health_records", "institution_id,child_id,kind,date,session", "date"},
	{"populationstat_region_id_year", "population_stats", "region_id,year", "year"},
	{"target_region_id_indicator_target_year", "targets", "region_id,indicator,target_year", "targetYear"},
	{"cityevaluation_region_id_year", "city_evaluations", "region_id,year", "year"},
}

// uniqueFieldOfColumns is the field to report for a unique violation on
// table's columns, or "" when it cannot be told.
func uniqueFieldOfColumns(table string, columns []string) string {
	if len(columns) == 1 {
		return camel(columns[0])
	}
	joined := strings.Join(columns, ",")
	for _, u := range compositeUnique {
		if u.table == table && u.columns == joined {
			return u.field
		}
	}
	return ""
}

// constraintCode distinguishes duplicates (CONFLICT, with the field when it
// can be told) from references to missing rows (BAD_USER_INPUT).
func constraintCode(err error) (code, field, msg string) {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505": // unique_violation
			return CodeConflict, uniqueFieldOfConstraint(pqErr.Constraint), "a record with the same unique value already exists"
		case "23503": // foreign_key_violation
			return CodeBadUserInput, foreignKeyColumn(pqErr.Detail), "refers to a record that does not exist"
		}
		return CodeBadUserInput, "", "violates a data rule"
	}
	text := err.Error()
	if m := uniqueColumns.FindStringSubmatch(text); m != nil {
		var table string
		var columns []string
		for _, qualified := range strings.Split(m[1], ", ") {
			t, column, _ := strings.Cut(qualified, ".")
			table, columns = t, append(columns, column)
		}
		return CodeConflict, uniqueFieldOfColumns(table, columns), "a record with the same unique value already exists"
	}
	if strings.Contains(text, "FOREIGN KEY") {
		return CodeBadUserInput, "", "refers to a record that does not exist"
	}
	return CodeConflict, "", "conflicts with existing data"
}

// fkDetail finds the column in PostgreSQL's foreign-key DETAIL line
// ("Key (institution_id)=(…) is not present in table …"); only the column is
// used, never the value.
var fkDetail = regexp.MustCompile(`^Key \((\w+)\)=`)

func foreignKeyColumn(detail string) string {
	if m := fkDetail.FindStringSubmatch(detail); m != nil {
		return camel(m[1])
	}
	return ""
}

// uniqueFieldOfConstraint derives the field from a PostgreSQL unique
// constraint name such as "institutions_credit_code_key" or a composite
// index of compositeUnique; only the derived
// field is sent, never the constraint name.
func uniqueFieldOfConstraint(name string) string {
	for _, u := range compositeUnique {
		if u.index == name {
			return u.field
		}
	}
	if !strings.HasSuffix(name, "_key") {
		return ""
	}
	name = strings.TrimSuffix(name, "_key")
	for _, f := range []string{"credit_code", "code", "name"} {
		if strings.HasSuffix(name, "_"+f) {
			return camel(f)
		}
	}
	return ""
}

// camel converts an ent field name to its GraphQL spelling (credit_code → creditCode).
func camel(s string) string { return apperr.GraphQLName(s) }

// Recover turns a resolver panic into an INTERNAL error; the panic value and
// stack go to the log only.
func Recover(ctx context.Context, p any) error {
	if o := outcomeFrom(ctx); o != nil {
		// Logged with the request's line (withOutcome): the first stack only.
		o.mu.Lock()
		if o.panicStack == "" {
			o.panicStack = fmt.Sprintf("panic of type %T\n%s", p, debug.Stack())
		}
		o.mu.Unlock()
	} else {
		slog.ErrorContext(ctx, "graphql: panic in resolver", "panic_type", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
	}
	err := gqlerror.Errorf("internal error")
	errcode.Set(err, CodeInternal)
	return err
}

// forbiddenReason says why in words a user can act on: the reason a
// domain check gave (apperr.Forbidden), else, for ent's row policies, what
// the viewer's role may do. It names roles and rules, never data.
func forbiddenReason(ctx context.Context, err error) string {
	var fe *apperr.ForbiddenError
	if errors.As(err, &fe) {
		return "forbidden: " + fe.Reason
	}
	switch v := auth.FromContext(ctx); {
	case v.Role == auth.Public:
		return "forbidden: without a token you read only the public directory (filed institutions, their seats and designations) and regions, population, surveys and targets; send a regulator, staff or BI token"
	case v.Role == auth.BIService:
		return "forbidden: BI service tokens read aggregates and the registry only; children, enrolments, health records, staff and certificates need a regulator or institution-staff token, and BI tokens write nothing"
	case v.Role == auth.InstitutionStaff:
		return "forbidden: institution-staff tokens read their own institution's records and write only its enrolments, children, staff, certificates and health records"
	case v.IsRegulator():
		return "forbidden: regulator tokens may not do this: children, staff, certificates and health records are written by institution staff (regulators may update enrolments in their region), rows outside your region are not writable, and only PROVINCE_REGULATOR reads the audit trail"
	}
	return "forbidden: your token's role may not do this"
}
