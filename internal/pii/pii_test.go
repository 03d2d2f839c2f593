package pii

import (
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

const testKey = "0123456789abcdef" // 16 bytes, the minimum

func newTestHasher(t *testing.T, key string) *Hasher {
	t.Helper()
	h, err := NewHasher([]byte(key))
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestNewHasher(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"nil", nil, true},
		{"empty", []byte{}, true},
		{"15 bytes", []byte(testKey[:15]), true},
		{"16 bytes", []byte(testKey), false},
		{"32 bytes", []byte(testKey + testKey), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := NewHasher(tt.key)
			if tt.wantErr {
				if err == nil || h != nil {
					t.Fatalf("NewHasher(%d bytes) = %v, %v; want nil, error", len(tt.key), h, err)
				}
				return
			}
			if err != nil || h == nil {
				t.Fatalf("NewHasher(%d bytes) = %v, %v; want hasher, nil", len(tt.key), h, err)
			}
		})
	}
}

func TestHash(t *testing.T) {
	h := newTestHasher(t, testKey)
	// Expected values computed independently with Python's hmac module:
	// hmac.new(key, b"11010519491231002X", hashlib.sha256).hexdigest()
	const want = "dd6a5ba2eed683e7925b20f655c01434a93591983089686662b75f63b85a9c1b"
	const wantOtherKey = "733049f6afebb84268f6a205a0902c9661d4c796a823eae31d67d7fc08272de1"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"canonical", "11010519491231002X", want},
		{"lower-case x", "11010519491231002x", want},
		{"surrounding spaces", "  11010519491231002X ", want},
		{"tab and newline", "\t11010519491231002x\n", want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.Hash(tt.in); got != tt.want {
				t.Errorf("Hash(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}

	if got := newTestHasher(t, "0123456789abcdeg").Hash("11010519491231002X"); got != wantOtherKey {
		t.Errorf("Hash with other key = %s, want %s", got, wantOtherKey)
	}
	if h.Hash("110105194912310021") == want {
		t.Error("different identifiers hash identically")
	}
	for _, in := range []string{"", "x", "11010519491231002X"} {
		got := h.Hash(in)
		if len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Errorf("Hash(%q) = %q, want 64 lowercase hex characters", in, got)
		}
	}
}

func TestHasherCopiesKey(t *testing.T) {
	key := []byte(testKey)
	h := newTestHasher(t, testKey)
	h2, _ := NewHasher(key)
	key[0] = 'X'
	if h.Hash("A") != h2.Hash("A") {
		t.Error("Hasher is affected by later changes to the caller's key slice")
	}
}

func TestHasherConcurrent(t *testing.T) {
	h := newTestHasher(t, testKey)
	want := h.Hash("11010519491231002X")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := h.Hash("11010519491231002X"); got != want {
					t.Errorf("concurrent Hash = %s, want %s", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestHashZeroHasherPanics(t *testing.T) {
	for _, h := range []*Hasher{nil, {}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Hash on a Hasher not made by NewHasher did not panic")
				}
			}()
			h.Hash("11010519491231002X")
		}()
	}
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"330102199001011234", "3301**********1234"},
		{"11010519491231002X", "1101**********002X"},
		{"110105491231002", "1101*******1002"}, // legacy 15-digit
		{"123456789", "1234*6789"},
		{"12345678", "********"},
		{"1234", "****"},
		{"1", "*"},
		{"", ""},
		{"护照E1234567X", "护照E1***567X"},
		{"一二三四五六七八", "********"},
	}
	for _, tt := range tests {
		got := MaskIDNumber(tt.in)
		if got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkMasked(t, "MaskIDNumber", tt.in, got)
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张三", "张*"},
		{"欧阳娜娜", "欧***"},
		{"王小明", "王**"},
		{"迪丽热巴·迪力木拉提", "迪*********"},
		{"李", "*"},
		{"", ""},
		{"Li", "L*"},
		{"Zhang San", "Z********"},
		{"😀a", "😀*"},
	}
	for _, tt := range tests {
		got := MaskName(tt.in)
		if got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkMasked(t, "MaskName", tt.in, got)
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"19900000000", "199****0000"},
		{"02112345678", "021****5678"}, // 11 digits is treated as mobile-shaped
		{"1381234567", "********67"},   // 10 digits
		{"138123456789", "**********89"},
		{"138-1234-5678", "***********78"},
		{"+8613812345678", "************78"},
		{"1381234567x", "*********7x"},
		{"１３８１２３４５６７８", "*********７８"}, // full-width digits
		{"123", "*23"},
		{"12", "**"},
		{"1", "*"},
		{"", ""},
	}
	for _, tt := range tests {
		got := MaskPhone(tt.in)
		if got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkMasked(t, "MaskPhone", tt.in, got)
	}
}

func TestMaskDate(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 5, 17, 0, 0, 0, 0, time.UTC), "2024-05"},
		{time.Date(2019, 12, 31, 23, 59, 59, 0, time.UTC), "2019-12"},
		{time.Date(2020, 1, 1, 0, 30, 0, 0, cst), "2020-01"}, // own location, not UTC
		{time.Date(1949, 10, 1, 0, 0, 0, 0, time.UTC), "1949-10"},
	}
	for _, tt := range tests {
		if got := MaskDate(tt.in); got != tt.want {
			t.Errorf("MaskDate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkMasked checks properties every mask must have: valid UTF-8, the
// same number of characters as the input, and (for inputs long enough to
// be masked) a different value from the input.
func checkMasked(t *testing.T, fn, in, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Errorf("%s(%q) = %q is not valid UTF-8", fn, in, got)
	}
	if utf8.RuneCountInString(got) != utf8.RuneCountInString(in) {
		t.Errorf("%s(%q) = %q changes the character count", fn, in, got)
	}
	if in != "" && got == in {
		t.Errorf("%s(%q) returned the input unmasked", fn, in)
	}
}
