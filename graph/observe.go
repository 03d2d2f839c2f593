package graph

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

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

// operationNames are the names of the operations in l's documents.
func (l AllowList) operationNames() []string {
	var names []string
	for _, q := range l {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			continue
		}
		for _, op := range doc.Operations {
			if op.Name != "" {
				names = append(names, op.Name)
			}
		}
	}
	return names
}
