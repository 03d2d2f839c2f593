package graph

import (
	"context"

	"github.com/tuoyu/tuoyu/internal/metrics"
)

// countedAuditWriter counts audit writes and their failures
// (tuoyu_audit_writes_total).
type countedAuditWriter struct{ AuditWriter }

func (w countedAuditWriter) Write(ctx context.Context, records []AuditRecord) error {
	err := w.AuditWriter.Write(ctx, records)
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	metrics.AuditWrites.WithLabelValues(outcome).Inc()
	return err
}
