package graph

import (
	"context"

	"github.com/tuoyu/tuoyu/ent/evaluationitem"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/graph/model"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/evaluation"
)

// evaluations is the evaluation workflow over the request's client.
func (r *Resolver) evaluations(ctx context.Context) evaluation.Service {
	return evaluation.Service{Client: r.db(ctx), KPI: r.kpi, Today: civil.Today(r.loc)}
}

// evalValues turns ent's []*T into the []T gqlgen's non-null lists use.
func evalValues[T any](rows []*T) []T {
	out := make([]T, len(rows))
	for i, p := range rows {
		out[i] = *p
	}
	return out
}

func evalDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// schemeInput maps loadEvaluationScheme's input.
func schemeInput(in model.EvaluationSchemeInput) evaluation.SchemeInput {
	out := evaluation.SchemeInput{Code: in.Code, Name: in.Name, Source: evalDeref(in.Source), ProvinceCode: in.ProvinceCode}
	for _, sec := range in.Sections {
		s := evaluation.SectionInput{No: sec.No, Name: sec.Name, Points: sec.Points}
		for _, it := range sec.Items {
			var auto evaluationitem.AutoRule
			if it.AutoRule != nil {
				auto = *it.AutoRule
			}
			s.Items = append(s.Items, evaluation.ItemInput{Content: it.Content, Points: it.Points, Rules: evalDeref(it.DeductionRules), Auto: auto})
		}
		out.Sections = append(out.Sections, s)
	}
	return out
}

// itemUpdate maps updateCityEvaluationItem's input.
func itemUpdate(in model.CityEvaluationItemInput) evaluation.ItemUpdate {
	u := evaluation.ItemUpdate{SelfScore: in.SelfScore, Note: in.Note}
	if in.Evidence != nil {
		u.Evidence = make([]schematype.EvaluationEvidence, len(in.Evidence))
		for i, d := range in.Evidence {
			u.Evidence[i] = schematype.EvaluationEvidence{Title: d.Title, Issuer: d.Issuer, IssuedOn: d.IssuedOn.Format("2006-01-02"), URL: evalDeref(d.URL), FileSHA256: evalDeref(d.FileSha256)}
		}
	}
	return u
}
