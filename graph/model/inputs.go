// Package model holds GraphQL models that are not ent types: gqlgen's
// generated models (models_gen.go) and the inputs below, which wrap ent's
// generated mutation inputs with a clear ID-card number that is hashed and
// masked before anything is stored.
package model

import (
	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
)

// CreateStaffInput is ent's CreateStaffInput plus the clear ID-card number.
type CreateStaffInput struct {
	ent.CreateStaffInput
	IDNumber string `json:"idNumber"`
}

// UpdateStaffInput is ent's UpdateStaffInput plus an optional new ID-card number.
type UpdateStaffInput struct {
	ent.UpdateStaffInput
	IDNumber *string `json:"idNumber,omitempty"`
}

// CreateChildInput is ent's CreateChildInput plus an optional ID-card number.
type CreateChildInput struct {
	ent.CreateChildInput
	IDNumber *string `json:"idNumber,omitempty"`
}

// UpdateChildInput is ent's UpdateChildInput plus an optional new ID-card number.
type UpdateChildInput struct {
	ent.UpdateChildInput
	IDNumber *string `json:"idNumber,omitempty"`
}

// CreateBanListEntryInput is ent's CreateBanListEntryInput plus the clear ID-card number.
type CreateBanListEntryInput struct {
	ent.CreateBanListEntryInput
	IDNumber string `json:"idNumber"`
}

// CreateEnrolmentInput is ent's input plus the child, named either by its
// ID or by the clear number of its identity document (hashed, never stored).
type CreateEnrolmentInput struct {
	ent.CreateEnrolmentInput
	ChildID             *int                  `json:"childID,omitempty"`
	ChildIDNumber       *string               `json:"childIdNumber,omitempty"`
	ChildIDDocumentType *child.IDDocumentType `json:"childIdDocumentType,omitempty"`
}
