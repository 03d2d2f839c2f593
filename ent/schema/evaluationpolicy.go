package schema

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/intercept"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// Access to demonstration-city evaluations (README "Demonstration-city
// evaluation"). Schemes and their items are published reference data: every
// viewer reads them. A city's evaluation is read by the regulators whose
// region contains the city (its own city regulators and its province's);
// district regulators, institution staff, BI_SERVICE and PUBLIC see none.
// No viewer writes through ent: internal/evaluation checks the workflow's
// write scope (city regulators edit their draft, the province reviews) and
// writes as the system, so every write goes through those checks.

// evaluationPolicy is the policy of CityEvaluation (regionCol is its city
// column) and of CityEvaluationItem (through its evaluation).
func evaluationPolicy(scope func(prefix string) func(*sql.Selector)) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.QueryRuleFunc(func(ctx context.Context, q gen.Query) error {
			v := auth.FromContext(ctx)
			if !v.IsRegulator() || v.Role == auth.DistrictRegulator {
				// A deny that carries its reason to the client (a generic
				// role text would speak of writes and enrolments).
				return fmt.Errorf("%w: %w", privacy.Deny, apperr.Forbidden("city evaluations are read by the regulators of the city and of its province only"))
			}
			prefix, ok := v.RegionPrefix()
			if !ok {
				return errNoScope
			}
			iq, err := intercept.NewQuery(q)
			if err != nil {
				return privacy.Denyf("unexpected query type")
			}
			iq.WhereP(scope(prefix))
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// cityInScope keeps rows whose column col names a region with a code under prefix.
func cityInScope(col string) func(prefix string) func(*sql.Selector) {
	return func(prefix string) func(*sql.Selector) {
		return func(s *sql.Selector) {
			regions := sql.Select("id").From(sql.Table("regions")).Where(codeUnder("code", prefix))
			s.Where(sql.In(s.C(col), regions))
		}
	}
}

// evaluationInScope keeps items whose evaluation's city lies under prefix.
func evaluationInScope(prefix string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		regions := sql.Select("id").From(sql.Table("regions")).Where(codeUnder("code", prefix))
		evals := sql.Select("id").From(sql.Table("city_evaluations")).Where(sql.In("region_id", regions))
		s.Where(sql.In(s.C("evaluation_id"), evals))
	}
}

// referencePolicy: everyone reads; only trusted code writes (the province
// regulator's loadEvaluationScheme checks its role and writes as the system).
func referencePolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{readAll()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
