package ingest

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tuoyu/tuoyu/internal/registry"
)

// parseCell turns one trimmed, non-empty cell into the Go value of its kind:
// string, int64, float64, time.Time, bool or []string (List enums). The
// error message describes the rule and never echoes the value.
func parseCell(c registry.Column, s string, loc *time.Location) (any, error) {
	switch c.Kind {
	case registry.Int:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		// Excel may hand a whole number as "10.0".
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return int64(f), nil
		}
		return nil, errors.New("must be a whole number")
	case registry.Decimal:
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("must be a number")
		}
		return f, nil
	case registry.Date:
		d, ok := parseDate(s)
		if !ok {
			return nil, errors.New("must be a date YYYY-MM-DD")
		}
		return d, nil
	case registry.DateTime:
		t, ok := parseDateTime(s, loc)
		if !ok {
			return nil, errors.New("must be a date and time YYYY-MM-DD HH:MM")
		}
		return t, nil
	case registry.Bool:
		switch strings.ToLower(s) {
		case "是", "true", "1", "y", "yes", "t", "√":
			return true, nil
		case "否", "false", "0", "n", "no", "f", "×":
			return false, nil
		}
		return nil, errors.New("must be 是 or 否")
	case registry.Enum:
		if !c.List {
			v, ok := enumValue(c, s)
			if !ok {
				return nil, fmt.Errorf("must be one of %s", strings.Join(c.Enum, ", "))
			}
			return v, nil
		}
		var out []string
		seen := map[string]bool{}
		for _, part := range listSep.Split(s, -1) {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			v, ok := enumValue(c, part)
			if !ok {
				return nil, fmt.Errorf("must list values of %s", strings.Join(c.Enum, ", "))
			}
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("must list at least one value")
		}
		return out, nil
	}
	return s, nil
}

var listSep = regexp.MustCompile(`[,，、;；|]`)

// enumValue accepts the GraphQL value in any case, or its Chinese label as
// the column's instructions give it ("FULL_DAY 全日托" → 全日托).
func enumValue(c registry.Column, s string) (string, bool) {
	u := strings.ToUpper(strings.ReplaceAll(s, " ", "_"))
	for _, v := range c.Enum {
		if u == v {
			return v, true
		}
	}
	if v, ok := enumLabels(c)[s]; ok {
		return v, true
	}
	return "", false
}

var labelCache sync.Map // Doc → map[label]value

func enumLabels(c registry.Column) map[string]string {
	if m, ok := labelCache.Load(c.Doc); ok {
		return m.(map[string]string)
	}
	m := map[string]string{}
	for _, v := range c.Enum {
		re := regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + ` ([^\s,.;(（]+)`)
		if sub := re.FindStringSubmatch(c.Doc); sub != nil {
			m[sub[1]] = v
		}
	}
	labelCache.Store(c.Doc, m)
	return m
}

// excelEpoch is day 0 of Excel's 1900 date system (with its leap-year bug,
// serials from 61 on count from 1899-12-30).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2", "20060102", "2006年1月2日"}

// parseDate reads a calendar date as UTC midnight (how dates are stored).
func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	// An Excel date cell read raw is a serial number of days.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 61 && f < 2958466 && len(s) != 8 {
		return excelEpoch.AddDate(0, 0, int(f)), true
	}
	return time.Time{}, false
}

var dateTimeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"}

// parseDateTime reads a local time in loc, or an RFC 3339 time with offset.
func parseDateTime(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, l := range dateTimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 61 && f < 2958466 {
		days := math.Floor(f)
		secs := math.Round((f - days) * 86400)
		d := excelEpoch.AddDate(0, 0, int(days))
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, int(secs), 0, loc), true
	}
	return time.Time{}, false
}
