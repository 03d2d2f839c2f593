package ident

import (
	"errors"
	"regexp"
	"strings"
)

// Identity-document types of a child (ent Child.id_document_type). A child
// without a resident ID card is identified by the type and number of another
// document.
const (
	DocResidentID    = "RESIDENT_ID"     // 居民身份证 / 居住证: 18 characters, GB 11643
	DocHKMacaoPermit = "HK_MACAO_PERMIT" // 港澳居民来往内地通行证: H or M + 8 or 10 digits
	DocTaiwanPermit  = "TAIWAN_PERMIT"   // 台湾居民来往大陆通行证: 8 digits, or 10 digits + optional letter
	DocPassport      = "PASSPORT"        // 5 to 20 letters and digits
	DocOther         = "OTHER"           // 4 to 30 letters, digits or hyphens
)

// ErrDocument is wrapped by every error NormalizeDocument returns.
var ErrDocument = errors.New("invalid identity document number")

var documentPatterns = map[string]*regexp.Regexp{
	DocHKMacaoPermit: regexp.MustCompile(`^[HM](\d{8}|\d{10})$`),
	DocTaiwanPermit:  regexp.MustCompile(`^(\d{8}|\d{10}[A-Z]?)$`),
	DocPassport:      regexp.MustCompile(`^[A-Z0-9]{5,20}$`),
	DocOther:         regexp.MustCompile(`^[A-Z0-9-]{4,30}$`),
}

// DocumentRule describes in words what a number of docType must look like
// (for error messages; it never contains a number).
func DocumentRule(docType string) string {
	switch docType {
	case DocResidentID:
		return "must be an 18-character resident ID number with a valid check character"
	case DocHKMacaoPermit:
		return "must be H or M followed by 8 or 10 digits"
	case DocTaiwanPermit:
		return "must be 8 digits, or 10 digits and an optional letter"
	case DocPassport:
		return "must be 5 to 20 letters and digits"
	case DocOther:
		return "must be 4 to 30 letters, digits or hyphens"
	}
	return "has an unknown document type"
}

// NormalizeDocument validates number as a document of docType and returns
// its canonical form (spaces trimmed, letters upper-cased), which is what is
// hashed. Errors wrap ErrDocument and never contain the number.
func NormalizeDocument(docType, number string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	if docType == DocResidentID {
		if err := ValidateIDNumber(n); err != nil {
			return "", errors.Join(ErrDocument, err)
		}
		return n, nil
	}
	p, ok := documentPatterns[docType]
	if !ok {
		return "", errors.Join(ErrDocument, errors.New("unknown document type"))
	}
	if !p.MatchString(n) {
		return "", ErrDocument
	}
	return n, nil
}

// DocumentKey is the string whose keyed hash identifies a person: the number
// alone for a resident ID (so it matches the ban list and earlier hashes),
// otherwise the type and the number, so equal numbers of different document
// types never collide.
func DocumentKey(docType, normalized string) string {
	if docType == DocResidentID {
		return normalized
	}
	return docType + ":" + normalized
}
