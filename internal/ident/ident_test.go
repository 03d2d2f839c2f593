package ident

import (
	"errors"
	"strings"
	"testing"
)

// publishedCreditCodes are real codes taken from public business-licence
// records; each one was also checked independently of this package.
var publishedCreditCodes = []string{
	"91350100M000100Y43",
	"914403001922038216", // Huawei Technologies Co., Ltd.
	"9144030071526726XG", // Shenzhen Tencent Computer Systems Co., Ltd.
	"91330100716105852F", // Alibaba (China) Co., Ltd.
	"91110000802100433B", // Beijing Baidu Netcom Science and Technology Co., Ltd.
}

// replaceAt returns s with the byte at index i replaced by c.
func replaceAt(s string, i int, c byte) string {
	b := []byte(s)
	b[i] = c
	return string(b)
}

// assertNoEcho fails if err's message contains in (when in is long enough
// to be meaningful).
func assertNoEcho(t *testing.T, err error, in string) {
	t.Helper()
	if err != nil && len(in) >= 4 && strings.Contains(err.Error(), in) {
		t.Errorf("error message %q echoes the input", err)
	}
}

func TestValidateCreditCode(t *testing.T) {
	generated := func(first17 string) string {
		c, err := CreditCodeCheckChar(first17)
		if err != nil {
			t.Fatalf("CreditCodeCheckChar(%q): %v", first17, err)
		}
		return first17 + string(c)
	}
	valid := "91350100M000100Y43"
	tests := []struct {
		name    string
		in      string
		wantErr string // substring of the error; "" means valid
	}{
		{"published Huawei", publishedCreditCodes[1], ""},
		{"published Tencent with letter check", publishedCreditCodes[2], ""},
		{"published Alibaba", publishedCreditCodes[3], ""},
		{"published Baidu", publishedCreditCodes[4], ""},
		{"published M-prefixed serial", publishedCreditCodes[0], ""},
		{"generated all zero", generated("91110000000000000"), ""},
		{"generated letters", generated("Y1330106MA2KABCDE"), ""},
		{"generated public institution", generated("12100000400000000"), ""},
		{"empty", "", "length"},
		{"too short", valid[:17], "length"},
		{"too long", valid + "0", "length"},
		{"wrong check char", replaceAt(valid, 17, '4'), "check character"},
		{"transposed digits", "91350100M000100Y34", "check character"},
		{"lower-case letter", strings.ToLower(valid), "character 9 is not allowed"},
		{"forbidden I", replaceAt(valid, 8, 'I'), "character 9 is not allowed"},
		{"forbidden O", replaceAt(valid, 8, 'O'), "not allowed"},
		{"forbidden Z", replaceAt(valid, 8, 'Z'), "not allowed"},
		{"forbidden S", replaceAt(valid, 8, 'S'), "not allowed"},
		{"forbidden V", replaceAt(valid, 17, 'V'), "character 18 is not allowed"},
		{"space", " " + valid[1:], "character 1 is not allowed"},
		{"multibyte 18 bytes", "91350100M000100０", "character 16 is not allowed"},
		{"multibyte 18 runes", "9135010０M000100Y43", "character 8 is not allowed"},
		{"letter in region code", generated("9135A100M000100Y4"), "character 5 must be a digit"},
		{"letter in region code position 8", generated("9135010AM000100Y4"), "character 8 must be a digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCreditCode(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateCreditCode(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, ErrCreditCode) {
				t.Fatalf("ValidateCreditCode(%q) = %v, want error wrapping ErrCreditCode", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ValidateCreditCode(%q) = %q, want it to mention %q", tt.in, err, tt.wantErr)
			}
			assertNoEcho(t, err, tt.in)
		})
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	for _, code := range publishedCreditCodes {
		got, err := CreditCodeCheckChar(code[:17])
		if err != nil || got != code[17] {
			t.Errorf("CreditCodeCheckChar(%q) = %q, %v; want %q, nil", code[:17], got, err, code[17])
		}
	}
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"16 chars", "9135010000000000"},
		{"18 chars", "913501000000000000"},
		{"forbidden letter", "91350100O00000000"},
		{"lower case", "91350100m00000000"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CreditCodeCheckChar(tt.in); !errors.Is(err, ErrCreditCode) {
				t.Errorf("CreditCodeCheckChar(%q) error = %v, want ErrCreditCode", tt.in, err)
			}
		})
	}
}

// TestCreditCodeCheckCharAllResidues checks that every remainder maps to a
// check character in the alphabet and that the result always validates.
func TestCreditCodeCheckCharAllResidues(t *testing.T) {
	seen := map[byte]bool{}
	for i := 0; i < len(creditAlphabet); i++ {
		// Vary the last character, whose weight (28) is coprime with 31,
		// so all 31 residues are reached.
		first17 := "9133010000000000" + string(creditAlphabet[i])
		c, err := CreditCodeCheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		seen[c] = true
		if err := ValidateCreditCode(first17 + string(c)); err != nil {
			t.Errorf("generated code %q does not validate: %v", first17+string(c), err)
		}
	}
	if len(seen) != 31 {
		t.Errorf("got %d distinct check characters, want 31", len(seen))
	}
}

func TestValidateRegionCode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"Beijing province level", "110000", ""},
		{"Hangzhou Shangcheng district", "330102", ""},
		{"Inner Mongolia", "150000", ""},
		{"Chongqing", "500000", ""},
		{"Xinjiang", "650000", ""},
		{"Taiwan", "710000", ""},
		{"Hong Kong", "810000", ""},
		{"Macao", "820000", ""},
		{"township 9 digits", "330102001", ""},
		{"community 12 digits", "330102001001", ""},
		{"empty", "", "length"},
		{"5 digits", "33010", "length"},
		{"7 digits", "3301020", "length"},
		{"10 digits", "3301020010", "length"},
		{"13 digits", "3301020010010", "length"},
		{"letter", "33010A", "character 6 is not a digit"},
		{"space", " 30102", "character 1 is not a digit"},
		{"full-width digits", "３３０１０２", "character 1 is not allowed"},
		{"province 00", "000000", "province"},
		{"province 10", "100000", "province"},
		{"province 16", "160000", "province"},
		{"province 24", "240000", "province"},
		{"province 38", "380000", "province"},
		{"province 47", "470000", "province"},
		{"province 55", "550000", "province"},
		{"province 66", "660000", "province"},
		{"province 72", "720000", "province"},
		{"province 83", "830000", "province"},
		{"province 99", "990000001", "province"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRegionCode(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateRegionCode(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, ErrRegionCode) {
				t.Fatalf("ValidateRegionCode(%q) = %v, want error wrapping ErrRegionCode", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ValidateRegionCode(%q) = %q, want it to mention %q", tt.in, err, tt.wantErr)
			}
			assertNoEcho(t, err, tt.in)
		})
	}
}

func TestValidateIDNumber(t *testing.T) {
	generated := func(first17 string) string {
		c, err := IDNumberCheckChar(first17)
		if err != nil {
			t.Fatalf("IDNumberCheckChar(%q): %v", first17, err)
		}
		return first17 + string(c)
	}
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		// The two examples below are the worked examples from GB 11643-1999.
		{"standard example with X", "11010519491231002X", ""},
		{"standard example 1880", "440524188001010014", ""},
		{"lower-case x", "11010519491231002x", ""},
		{"digit check", "110101199003074477", ""},
		{"leap day 2000", generated("33010220000229123"), ""},
		{"leap day 2024", generated("33010220240229123"), ""},
		{"empty", "", "length"},
		{"legacy 15 digit", "110105491231002", "length"},
		{"17 chars", "11010519491231002", "length"},
		{"19 chars", "11010519491231002X0", "length"},
		{"wrong check digit", "110101199003074478", "check character"},
		{"wrong check X", "11010519491231002Y", "character 18 must be a digit or X"},
		{"X expected digit given", "110105194912310020", "check character"},
		{"X in body", "1101051949123100X2", "character 17 is not a digit"},
		{"letter in body", "A1010519491231002X", "character 1 is not a digit"},
		{"February 30", generated("33010220240230123"), "birth date"},
		{"February 29 non-leap", generated("33010220230229123"), "birth date"},
		{"February 29 1900", generated("33010219000229123"), "birth date"},
		{"April 31", generated("33010219900431123"), "birth date"},
		{"month 13", generated("33010219901301123"), "birth date"},
		{"month 00", generated("33010219900001123"), "birth date"},
		{"day 00", generated("33010219900100123"), "birth date"},
		{"day 32", generated("33010219900132123"), "birth date"},
		{"full-width digit", "1101051949123100２X", "character 17 is not allowed"},
		{"year 0000", generated("33010200000101123"), "birth date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateIDNumber(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateIDNumber(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, ErrIDNumber) {
				t.Fatalf("ValidateIDNumber(%q) = %v, want error wrapping ErrIDNumber", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ValidateIDNumber(%q) = %q, want it to mention %q", tt.in, err, tt.wantErr)
			}
			assertNoEcho(t, err, tt.in)
			assertNoEcho(t, err, tt.in[min(6, len(tt.in)):min(14, len(tt.in))]) // birth date
		})
	}
}

func TestIDNumberCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"11010119900307447", '7'},
	}
	for _, tt := range tests {
		got, err := IDNumberCheckChar(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("IDNumberCheckChar(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "1101051949123100", "110105194912310020", "1101051949123100X"} {
		if _, err := IDNumberCheckChar(in); !errors.Is(err, ErrIDNumber) {
			t.Errorf("IDNumberCheckChar(%q) error = %v, want ErrIDNumber", in, err)
		}
	}
}

func TestSentinelMessages(t *testing.T) {
	for _, err := range []error{ErrCreditCode, ErrRegionCode, ErrIDNumber} {
		if !strings.HasPrefix(err.Error(), "ident: invalid ") {
			t.Errorf("sentinel %q should start with %q", err, "ident: invalid ")
		}
	}
}
