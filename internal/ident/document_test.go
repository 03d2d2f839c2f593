package ident

import (
	"errors"
	"testing"
)

func TestNormalizeDocument(t *testing.T) {
	tests := []struct {
		name, docType, number, want string
		wantErr                     bool
	}{
		{"resident ID", DocResidentID, "11010519491231002x", "11010519491231002X", false},
		{"resident ID bad check", DocResidentID, "110105194912310021", "", true},
		{"HK permit new", DocHKMacaoPermit, " h12345678 ", "H12345678", false},
		{"Macao permit old", DocHKMacaoPermit, "M1234567890", "M1234567890", false},
		{"HK permit wrong letter", DocHKMacaoPermit, "X12345678", "", true},
		{"HK permit short", DocHKMacaoPermit, "H1234567", "", true},
		{"Taiwan permit", DocTaiwanPermit, "12345678", "12345678", false},
		{"Taiwan permit old", DocTaiwanPermit, "1234567890b", "1234567890B", false},
		{"Taiwan permit letters", DocTaiwanPermit, "AB345678", "", true},
		{"passport", DocPassport, "e12345678", "E12345678", false},
		{"passport too short", DocPassport, "E123", "", true},
		{"passport punctuation", DocPassport, "E1234-5678", "", true},
		{"other", DocOther, "BC-2024-0001", "BC-2024-0001", false},
		{"other empty", DocOther, "  ", "", true},
		{"unknown type", "DRIVING_LICENCE", "12345678", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NormalizeDocument(tc.docType, tc.number)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v; want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrDocument) {
				t.Fatalf("err %v does not wrap ErrDocument", err)
			}
			if got != tc.want {
				t.Fatalf("got %q; want %q", got, tc.want)
			}
		})
	}
	if DocumentKey(DocPassport, "12345678") == DocumentKey(DocTaiwanPermit, "12345678") {
		t.Fatal("equal numbers of different document types share a key")
	}
	if DocumentKey(DocResidentID, "11010519491231002X") != "11010519491231002X" {
		t.Fatal("a resident ID's key is not the number itself (ban-list matching)")
	}
}
