// Package apperr holds the error values that domain code returns and that the
// GraphQL layer (graph/errors.go) turns into stable extensions.code values.
// Lower layers never build GraphQL errors themselves.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel kinds; wrap them with fmt.Errorf("...: %w", apperr.ErrConflict).
var (
	// ErrConflict: the write collides with existing data (a duplicate, an overlap).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the viewer may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: the record does not exist or is outside the viewer's scope.
	ErrNotFound = errors.New("not found")
)

// FieldError reports invalid input for one field. Field is the ent field name
// (snake_case); the presenter converts it to the GraphQL input path. Message
// must describe the rule, never echo the value.
type FieldError struct {
	Field   string
	Message string
	// Kind is nil for plain validation failures, or ErrConflict when the value
	// is well-formed but collides with other data (e.g. an overlapping enrolment).
	Kind error
}

// Error implements error.
func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Unwrap exposes Kind so errors.Is(err, ErrConflict) works.
func (e *FieldError) Unwrap() error { return e.Kind }

// Invalid returns a FieldError for field with message.
func Invalid(field, message string) *FieldError {
	return &FieldError{Field: field, Message: message}
}

// ForbiddenError is ErrForbidden with a reason the user can act on, e.g.
// "KPIs need a regulator or BI service token". The reason names roles and
// rules, never data (no record, region or value the viewer may not see).
type ForbiddenError struct{ Reason string }

// Error implements error.
func (e *ForbiddenError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// Forbidden returns a ForbiddenError with reason.
func Forbidden(reason string) error { return &ForbiddenError{Reason: reason} }

// GraphQLName is the GraphQL spelling of an ent field name (credit_code →
// creditCode, region_id → regionID), for messages that name another field.
func GraphQLName(field string) string {
	parts := strings.Split(field, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
			continue
		}
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
