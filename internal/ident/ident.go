// Package ident validates Chinese official identifiers used in the registry.
//
// It covers the unified social credit code (统一社会信用代码, GB 32100-2015),
// administrative division codes (行政区划代码, GB/T 2260, plus the 9- and
// 12-digit 统计用区划代码 used for townships and streets) and the 18-character
// resident identity card number (公民身份号码, GB 11643-1999).
//
// All validation errors wrap one of the sentinel errors ErrCreditCode,
// ErrRegionCode or ErrIDNumber, so callers can test them with errors.Is.
// Error messages describe what is wrong (length, character position, check
// character, date) but never repeat the input, because identifiers are
// personal or sensitive data that must not leak into logs or API responses.
package ident

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrCreditCode is wrapped by every error reporting an invalid unified
// social credit code.
var ErrCreditCode = errors.New("ident: invalid unified social credit code")

// ErrRegionCode is wrapped by every error reporting an invalid
// administrative division code.
var ErrRegionCode = errors.New("ident: invalid administrative division code")

// ErrIDNumber is wrapped by every error reporting an invalid resident
// identity card number.
var ErrIDNumber = errors.New("ident: invalid resident identity number")

// creditAlphabet is the GB 32100-2015 code alphabet: digits and upper-case
// letters without I, O, Z, S and V. A character's index is its value.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are the GB 32100-2015 weights for positions 1–17
// (3^(i-1) mod 31).
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditValues maps a byte to its value in creditAlphabet, or -1.
var creditValues = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(creditAlphabet); i++ {
		t[creditAlphabet[i]] = int8(i)
	}
	return t
}()

// creditCheck computes the check character for the first 17 characters of
// a credit code, returning the 1-based position of the first character
// outside the alphabet if there is one.
func creditCheck(first17 string) (check byte, badPos int) {
	sum := 0
	for i := 0; i < 17; i++ {
		v := creditValues[first17[i]]
		if v < 0 {
			return 0, i + 1
		}
		sum += int(v) * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31], 0
}

// CreditCodeCheckChar returns the GB 32100-2015 check character (the 18th
// character) for the first 17 characters of a unified social credit code.
//
// first17 must be exactly 17 characters from the code alphabet
// "0123456789ABCDEFGHJKLMNPQRTUWXY"; otherwise the returned error wraps
// ErrCreditCode. Only the character set is checked, not the structure (see
// ValidateCreditCode), so generators should put digits in positions 3–8.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, lengthError(ErrCreditCode, "need 17 characters to compute the check character", first17)
	}
	check, bad := creditCheck(first17)
	if bad != 0 {
		return 0, fmt.Errorf("%w: character %d is not allowed", ErrCreditCode, bad)
	}
	return check, nil
}

// ValidateCreditCode reports whether s is a well-formed unified social
// credit code (统一社会信用代码) per GB 32100-2015: exactly 18 characters
// from "0123456789ABCDEFGHJKLMNPQRTUWXY" (upper case; I, O, Z, S and V never
// occur), positions 3–8 digits (the administrative division code), and a
// correct check character in position 18.
//
// The input is not normalised: callers that accept user input should trim
// spaces and upper-case it first. A non-nil error wraps ErrCreditCode and
// does not contain the input.
func ValidateCreditCode(s string) error {
	if len(s) != 18 {
		return lengthError(ErrCreditCode, "length must be 18 characters", s)
	}
	for i := 0; i < 18; i++ {
		if creditValues[s[i]] < 0 {
			return fmt.Errorf("%w: character %d is not allowed", ErrCreditCode, i+1)
		}
	}
	for i := 2; i < 8; i++ {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: character %d must be a digit (administrative division code)", ErrCreditCode, i+1)
		}
	}
	if check, _ := creditCheck(s[:17]); s[17] != check {
		return fmt.Errorf("%w: check character does not match", ErrCreditCode)
	}
	return nil
}

// validProvince reports whether p (the first two digits of a GB/T 2260
// code, as a number) is a province-level division: 11–15, 21–23, 31–37,
// 41–46, 50–54, 61–65, 71 (Taiwan), 81 (Hong Kong) or 82 (Macao).
func validProvince(p int) bool {
	switch {
	case p >= 11 && p <= 15,
		p >= 21 && p <= 23,
		p >= 31 && p <= 37,
		p >= 41 && p <= 46,
		p >= 50 && p <= 54,
		p >= 61 && p <= 65,
		p == 71, p == 81, p == 82:
		return true
	}
	return false
}

// ValidateRegionCode reports whether s is a syntactically valid
// administrative division code: 6 digits (GB/T 2260 province/city/county
// level) or 9 or 12 digits (统计用区划代码 for township/street and
// village/community level), whose first two digits are a valid
// province-level code.
//
// It checks form only; it does not consult a list of divisions that
// currently exist. A non-nil error wraps ErrRegionCode and does not contain
// the input.
func ValidateRegionCode(s string) error {
	switch len(s) {
	case 6, 9, 12:
	default:
		return lengthError(ErrRegionCode, "length must be 6, 9 or 12 digits", s)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: character %d is not a digit", ErrRegionCode, i+1)
		}
	}
	if !validProvince(int(s[0]-'0')*10 + int(s[1]-'0')) {
		return fmt.Errorf("%w: first two digits are not a province-level code", ErrRegionCode)
	}
	return nil
}

// idWeights are the GB 11643-1999 weights for positions 1–17 (2^(18-i) mod 11).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum modulo 11 to the check character.
const idCheckChars = "10X98765432"

// IDNumberCheckChar returns the GB 11643-1999 check character ('0'–'9' or
// 'X') for the first 17 characters of a resident identity number.
//
// first17 must be exactly 17 ASCII digits; otherwise the returned error
// wraps ErrIDNumber. The birth date is not checked (see ValidateIDNumber).
func IDNumberCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, lengthError(ErrIDNumber, "need 17 digits to compute the check character", first17)
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if !isDigit(c) {
			return 0, fmt.Errorf("%w: character %d is not a digit", ErrIDNumber, i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// ValidateIDNumber reports whether s is a well-formed 18-character resident
// identity number (公民身份号码) per GB 11643-1999: 17 digits followed by a
// check character ('0'–'9' or 'X'; a lower-case 'x' is accepted), where
// positions 7–14 are a real calendar date YYYYMMDD (year 1800 or later)
// and the check character matches.
//
// Only the structure is checked: the address code (positions 1–6) is not
// looked up and the birth date is not compared with the current date. The
// legacy 15-digit format is rejected. A non-nil error wraps ErrIDNumber and
// does not contain the input.
func ValidateIDNumber(s string) error {
	if len(s) != 18 {
		return lengthError(ErrIDNumber, "length must be 18 characters", s)
	}
	check, err := IDNumberCheckChar(s[:17])
	if err != nil {
		return err
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if !isDigit(last) && last != 'X' {
		return fmt.Errorf("%w: character 18 must be a digit or X", ErrIDNumber)
	}
	if !validDate(s[6:14]) {
		return fmt.Errorf("%w: birth date is not a valid date", ErrIDNumber)
	}
	if last != check {
		return fmt.Errorf("%w: check character does not match", ErrIDNumber)
	}
	return nil
}

// validDate reports whether the 8 ASCII digits in d form a real Gregorian
// date YYYYMMDD with a year of at least 1800.
func validDate(d string) bool {
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year, month, day := num(d[:4]), num(d[4:6]), num(d[6:8])
	if year < 1800 || month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(year, month)
}

// daysIn returns the number of days in the given month of the given year.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lengthError reports that s has the wrong length, wrapping sentinel. The
// length is given in characters (runes) so it matches what a user typed; if
// s contains non-ASCII characters that is reported instead, since no
// identifier handled here can contain them.
func lengthError(sentinel error, msg, s string) error {
	for i, r := range s {
		if r >= utf8.RuneSelf {
			return fmt.Errorf("%w: character %d is not allowed", sentinel, utf8.RuneCountInString(s[:i])+1)
		}
	}
	return fmt.Errorf("%w: %s, got %d", sentinel, msg, len(s))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
