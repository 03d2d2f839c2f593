package auth

import "context"

// presentedChildKey carries the child whose identity-document number the
// viewer presented in this request (createEnrolment with childIdNumber).
type presentedChildKey struct{}

// WithPresentedChild records that the viewer presented the identity-document
// number of child id: knowing the number (the parent gave it) entitles staff
// to enrol that child at their own institution although it is registered or
// enrolled elsewhere. Only the resolver that verified the number sets it.
func WithPresentedChild(ctx context.Context, id int) context.Context {
	return context.WithValue(ctx, presentedChildKey{}, id)
}

// PresentedChild reports whether the viewer presented the number of child id
// in this request.
func PresentedChild(ctx context.Context, id int) bool {
	got, ok := ctx.Value(presentedChildKey{}).(int)
	return ok && got == id
}
