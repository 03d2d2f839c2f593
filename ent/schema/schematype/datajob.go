package schematype

import (
	"io"
	"strconv"
)

// DataJobKind says whether a data job reads a file into the database or
// writes rows out of it.
type DataJobKind string

// Data job kinds.
const (
	DataJobKindImport DataJobKind = "IMPORT"
	DataJobKindExport DataJobKind = "EXPORT"
)

// Values lists the kinds; ent uses it for the enum column.
func (DataJobKind) Values() []string {
	return []string{string(DataJobKindImport), string(DataJobKindExport)}
}

// MarshalGQL implements graphql.Marshaler.
func (k DataJobKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (k *DataJobKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, DataJobKind.Values) }

// DataJobState is where a data job is in its life.
type DataJobState string

// Data job states. FAILED means the file had invalid rows (nothing was
// written, the row errors say why); ERROR means the job itself could not
// run (an unreadable file, the database, a crash that exhausted retries).
const (
	DataJobStateQueued    DataJobState = "QUEUED"
	DataJobStateRunning   DataJobState = "RUNNING"
	DataJobStateSucceeded DataJobState = "SUCCEEDED"
	DataJobStateFailed    DataJobState = "FAILED"
	DataJobStateError     DataJobState = "ERROR"
)

// Values lists the states; ent uses it for the enum column.
func (DataJobState) Values() []string {
	return []string{string(DataJobStateQueued), string(DataJobStateRunning), string(DataJobStateSucceeded), string(DataJobStateFailed), string(DataJobStateError)}
}

// Done reports whether the job will not change any more.
func (s DataJobState) Done() bool {
	return s == DataJobStateSucceeded || s == DataJobStateFailed || s == DataJobStateError
}

// MarshalGQL implements graphql.Marshaler.
func (s DataJobState) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *DataJobState) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, DataJobState.Values) }

// DataFormat is a file format of imports and exports.
type DataFormat string

// Data formats.
const (
	DataFormatCSV  DataFormat = "CSV"
	DataFormatXLSX DataFormat = "XLSX"
)

// Values lists the formats; ent uses it for the enum column.
func (DataFormat) Values() []string { return []string{string(DataFormatCSV), string(DataFormatXLSX)} }

// MarshalGQL implements graphql.Marshaler.
func (f DataFormat) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(f))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (f *DataFormat) UnmarshalGQL(v any) error { return unmarshalEnum(v, f, DataFormat.Values) }

// DataRowError is one problem with one cell or row of an imported file.
type DataRowError struct {
	// Row is the 1-based row number in the file, the header being row 1.
	Row int `json:"row"`
	// Column is the header of the offending column, empty for the whole row.
	Column string `json:"column,omitempty"`
	// Code is a stable machine-readable reason (e.g. REQUIRED, INVALID).
	Code string `json:"code"`
	// Message says what is wrong, in words, without echoing the value.
	Message string `json:"message"`
}

// Header is Column as GraphQL's DataRowError.column (gqlgen.yml): null, not
// "", when the problem is the whole row or file.
func (e DataRowError) Header() *string {
	if e.Column == "" {
		return nil
	}
	return &e.Column
}
