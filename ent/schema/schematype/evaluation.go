package schematype

// EvaluationEvidence is one supporting document (佐证材料) a city attaches
// to an item of its demonstration-city self-evaluation: metadata only, the
// file itself stays where the city keeps it (a URL or its SHA-256).
type EvaluationEvidence struct {
	// Title of the document, e.g. 关于印发《…托育服务体系建设实施方案》的通知.
	Title string `json:"title"`
	// Issuer is the issuing body, e.g. 某市人民政府办公室.
	Issuer string `json:"issuer"`
	// IssuedOn is the day the document was issued, YYYY-MM-DD.
	IssuedOn string `json:"issuedOn"`
	// URL where the document can be read; empty when FileSHA256 is given.
	URL string `json:"url,omitempty"`
	// FileSHA256 is the lowercase hex SHA-256 of the file; empty when URL is given.
	FileSHA256 string `json:"fileSha256,omitempty"`
}
