package graph

import (
	"errors"

	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// identityNumber is what is stored of a clear ID-card number.
type identityNumber struct{ hash, masked string }

// identity validates a clear ID-card number from a mutation input and returns
// its keyed hash and masked form; the clear value goes no further.
func (r *Resolver) identity(number string) (identityNumber, error) {
	if err := ident.ValidateIDNumber(number); err != nil {
		return identityNumber{}, apperr.Invalid("id_number", "must be an 18-character resident ID number with a valid check character")
	}
	if r.hasher == nil {
		return identityNumber{}, errors.New("graph: no ID-number hasher configured")
	}
	return identityNumber{hash: r.hasher.Hash(number), masked: pii.MaskIDNumber(number)}, nil
}

// identityBuilder is a create or update builder of a type that stores
// ID-card numbers (staff, children, ban-list entries).
type identityBuilder[B any] interface {
	SetIDNumberHash(string) B
	SetIDNumberMasked(string) B
}

// withIdentity sets the hash and masked form of number on b (nothing when
// number is nil).
func withIdentity[B identityBuilder[B]](r *Resolver, b B, number *string) (B, error) {
	if number == nil {
		return b, nil
	}
	id, err := r.identity(*number)
	if err != nil {
		return b, err
	}
	return b.SetIDNumberHash(id.hash).SetIDNumberMasked(id.masked), nil
}
