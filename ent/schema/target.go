package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// Target is a plan target for one indicator in one region, as set by a
// policy document (e.g. 4.5 seats per 1,000 residents by 2025). Values are in
// the indicator's unit: rates as fractions 0..1.
type Target struct{ ent.Schema }

// Mixin of the Target.
func (Target) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Target.
func (Target) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("indicator").
			GoType(schematype.IndicatorKey("")).
			Annotations(EnumDoc{"SEATS_PER_1000": "千人口托位数: open seats per 1,000 residents, as of a day (PER_1000).", "INCLUSIVE_SEAT_SHARE": "普惠托位占比: share of open seats that are inclusive, as of a day (RATIO 0..1).", "SEAT_USAGE_RATE": "托位使用率: children in FULL_DAY or HALF_DAY care per open seat, as of a day (RATIO).", "ENROLMENT_RATE": "入托率: children under 36 months in any care per under-3 resident of the region, as of a day (RATIO).", "SUBDISTRICT_INCLUSIVE_COVERAGE": "街道普惠性托育机构覆盖率: share of subdistricts with an inclusive provider (a 普惠-designated open institution, or a kindergarten with an open seat), as of a day (RATIO).", "KINDERGARTEN_CHILDCARE_SHARE": "提供托育服务的幼儿园占比: share of open kindergartens with at least one open seat (托班), as of a day (RATIO).", "FILING_RATE": "备案率: share of childcare providers filed on the day — the latest status of a filing's history on or before it is RECEIPT_ISSUED or CHANGED — as of a day (RATIO).", "STAFF_CERTIFICATION_RATE": "从业人员持证上岗率: share of active CAREGIVER staff holding a valid CHILDCARE_WORKER, INFANT_CARER or KINDERGARTEN_TEACHER certificate, as of a day (RATIO).", "HEALTH_RECORD_RATE": "婴幼儿电子健康档案建设管理率: share of children in care with an ENTRY_EXAM record on or before the day (RATIO).", "DEV_SCREENING_RATE": "发育监测筛查率: share of age check-points in [from, to) screened within 30 days (RATIO, period).", "DAILY_CHECK_RATE": "晨检执行率: share of child-weekdays in [from, to) with a morning check (RATIO, period).", "SATISFACTION_RATE": "满意度: positive answers per respondent of satisfaction surveys in [from, to) (RATIO, period).", "PARENTING_KNOWLEDGE_RATE": "科学育儿知识普及率: positive answers per respondent of parenting-knowledge surveys in [from, to) (RATIO, period).", "GUIDANCE_CENTERS": "指导中心数: open guidance centres in the region, as of a day (COUNT).", "FILING_ON_TIME_RATE": "备案回执按时出具率: share of receipts issued in [from, to) within 5 working days of the submission (RATIO, period).", "RECTIFICATION_RATE": "整改按时完成率: share of findings due in [from, to) rectified on or before their deadline (RATIO, period).", "COMPLAINT_ON_TIME_RATE": "投诉按时办结率: share of complaints due in [from, to) closed on or before their handling deadline (RATIO, period)."}).
			Comment("An indicator of the KPI dictionary (indicatorCatalog gives each one's exact definition); on a Target, the indicator the target applies to.").
			Annotations(entgql.Type("IndicatorKey"), entgql.OrderField("INDICATOR")),
		field.Int("region_id").
			Comment("The region the target applies to (covering its descendants)."),
		field.Int("baseline_year").
			Range(1949, 2200).
			Optional().
			Nillable().
			Comment("Year of the baseline value."),
		field.Float("baseline_value").
			Optional().
			Nillable().
			Comment("Baseline value in the indicator's unit."),
		field.Int("target_year").
			Range(1949, 2200).
			Comment("Year by which the target applies; a value as of year Y uses the target with the smallest target_year >= Y.").
			Annotations(entgql.OrderField("TARGET_YEAR")),
		field.Float("target_value").
			Comment("Target value in the indicator's unit (rates as fractions 0..1)."),
		field.Enum("comparator").
			NamedValues( // named, because ComparatorEQ would collide with ent's predicate
				"AtLeast", "GE",
				"Above", "GT",
				"AtMost", "LE",
				"Below", "LT",
				"Exactly", "EQ",
			).
			Default("GE").
			Annotations(EnumDoc{"GE": "Attained when value >= target (at least).", "GT": "Attained when value > target (above).", "LE": "Attained when value <= target (at most).", "LT": "Attained when value < target (below).", "EQ": "Attained when value = target."}).
			Comment("How a value attains the target: GE ≥, GT >, LE ≤, LT <, EQ =.").
			Annotations(entgql.Type("Comparator")),
		field.String("source").
			NotEmpty().
			MaxLen(300).
			Comment("The policy document, e.g. 大足府办发〔2024〕16号."),
		field.Enum("kind").
			Values("EXPECTED", "BINDING").
			Default("EXPECTED").
			Annotations(EnumDoc{"EXPECTED": "预期性 indicative target.", "BINDING": "约束性 binding target."}).
			Comment("EXPECTED 预期性 or BINDING 约束性.").
			Annotations(entgql.Type("TargetKind")),
	}
}

// Edges of the Target.
func (Target) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("region", Region.Type).
			Ref("targets").
			Field("region_id").
			Unique().
			Required().
			Comment("The region the target applies to."),
	}
}

// Indexes of the Target: one target per indicator, region and year.
func (Target) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id", "indicator", "target_year").Unique()}
}

// Policy of the Target: see policy.go.
func (Target) Policy() ent.Policy {
	return policy(readAll(), regulatorWriters...)
}

// Annotations of the Target.
func (Target) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A plan target for one indicator in one region and year, in the indicator's unit (rates as fractions 0..1), with the comparator that says when it is attained."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
