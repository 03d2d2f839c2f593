package kpistore

import "time"

// Exports for the external tests.
var (
	NewPending = newPending
)

func (p *pending) CheckDay(child int, day time.Time)     { p.checkDay(child, day) }
func (p *pending) Empty() bool                           { return p.empty() }
func (p *pending) CheckDays() map[int]map[time.Time]bool { return p.checkDays }
